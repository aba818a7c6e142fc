import { CompiledPlan } from '../../src/domain';
import { DialEvent, DialRequest, MediaPort, SignalingPort } from '../../src/app/ports';

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

  lastPlan(callId: string): CompiledPlan | undefined {
    return [...this.applied].reverse().find((a) => a.callId === callId)?.plan;
  }
}
