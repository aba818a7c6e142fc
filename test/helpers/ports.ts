import { CompiledPlan } from '../../src/domain';
import { DialEvent, DialRequest, MediaPort, ParticipantTarget, SignalingPort, TakeoverRequest } from '../../src/app/ports';

/** Recording doubles of the two ports: they do nothing but remember, and let tests drive dial events. */

export class RecordingSignaling implements SignalingPort {
  readonly dials: DialRequest[] = [];
  readonly hangups: string[] = [];
  private readonly listeners = new Map<string, (e: DialEvent) => void>();
  /** Set to make the next dialSupervisor calls reject (the SIP side is down). */
  failDial: Error | undefined;

  async dialSupervisor(req: DialRequest, onEvent: (e: DialEvent) => void): Promise<void> {
    if (this.failDial) throw this.failDial;
    this.dials.push(req);
    this.listeners.set(req.sessionId, onEvent);
  }

  async hangupSupervisor(sessionId: string): Promise<void> {
    this.hangups.push(sessionId);
  }

  readonly added: { callId: string; target: ParticipantTarget; actor: string; participantId: string }[] = [];
  readonly removed: { callId: string; participantId: string; actor: string }[] = [];
  readonly takeovers: TakeoverRequest[] = [];
  /** What the SIP side does on a call change request (a test wires it to its call double). */
  onAdd: ((callId: string, target: ParticipantTarget, participantId: string) => Promise<void>) | undefined;
  onRemove: ((callId: string, participantId: string) => Promise<void>) | undefined;
  onTakeover: ((req: TakeoverRequest) => Promise<void>) | undefined;
  /** Set to make the next call-shape requests reject (e.g. a CoachlineError the SIP side raises). */
  failCallControl: Error | undefined;

  async addParticipant(callId: string, target: ParticipantTarget, actor: string): Promise<{ participantId: string }> {
    if (this.failCallControl) throw this.failCallControl;
    const participantId = `p${this.added.length + 1}`;
    this.added.push({ callId, target, actor, participantId });
    await this.onAdd?.(callId, target, participantId);
    return { participantId };
  }

  async removeParticipant(callId: string, participantId: string, actor: string): Promise<void> {
    if (this.failCallControl) throw this.failCallControl;
    this.removed.push({ callId, participantId, actor });
    await this.onRemove?.(callId, participantId);
  }

  async takeOver(req: TakeoverRequest): Promise<{ participantId: string }> {
    if (this.failCallControl) throw this.failCallControl;
    this.takeovers.push(req);
    await this.onTakeover?.(req);
    return { participantId: req.sessionId };
  }

  readonly lostHungUp: string[] = [];

  async hangUpLostDialogs(instanceId: string): Promise<{ reached: number; held: number }> {
    this.lostHungUp.push(instanceId);
    return { reached: 0, held: 0 };
  }

  /** Sends a dial event for a session, as the SIP adapter would. */
  emit(sessionId: string, e: DialEvent): void {
    const l = this.listeners.get(sessionId);
    if (!l) throw new Error(`no dial for session ${sessionId}`);
    l(e);
  }
}

export class RecordingMedia implements MediaPort {
  readonly applied: { callId: string; plan: CompiledPlan }[] = [];
  failNext: Error | undefined;

  async applyPlan(callId: string, plan: CompiledPlan): Promise<void> {
    if (this.failNext) {
      const err = this.failNext;
      this.failNext = undefined;
      throw err;
    }
    this.applied.push({ callId, plan });
  }

  readonly played: { callId: string; key: string; sound: string }[] = [];

  async playToMember(callId: string, key: string, sound: string): Promise<void> {
    this.played.push({ callId, key, sound });
  }

  readonly dropped: string[] = [];

  async dropConference(callId: string): Promise<void> {
    this.dropped.push(callId);
  }

  lastPlan(callId: string): CompiledPlan | undefined {
    return [...this.applied].reverse().find((a) => a.callId === callId)?.plan;
  }
}
