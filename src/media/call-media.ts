import type { Logger } from 'pino';
import type { CallMediaPort, MediaLeg, MediaPort } from '../app/ports';
import { CompiledPlan } from '../domain';
import { CallConference, ConferenceSettings } from './call-conference';
import { FsLeg } from './fs-leg';
import type { EslEvent, FsEndpoint, FsMediaServer } from './fsmrf-types';
import { MediaServerPool } from './media-servers';

/**
 * The media adapter: creates FreeSWITCH endpoints for SIP legs (CallMediaPort) and
 * brings each call's conference to the plan the supervision service computes
 * (MediaPort). A call's legs all live on the server its first leg was created on.
 */
export class UnknownCallMediaError extends Error {
  readonly code = 'unknown_call_media';
  override readonly name = 'UnknownCallMediaError';
}

export class CallMedia implements MediaPort, CallMediaPort {
  private readonly calls = new Map<string, CallConference>();

  constructor(
    private readonly pool: MediaServerPool,
    private readonly settings: ConferenceSettings,
    private readonly log: Logger,
    /** Told of each endpoint's SIP dialog (drachtio ↔ FreeSWITCH): a survivor can BYE it if this instance dies. */
    private readonly onEndpointDialog: (dialog: FsEndpoint['dialog']) => void = () => undefined,
  ) {}

  private conference(callId: string): CallConference {
    let conf = this.calls.get(callId);
    if (!conf) {
      const server = this.pool.pick();
      this.watchMembers(server);
      conf = new CallConference(callId, server, this.settings, this.log);
      this.calls.set(callId, conf);
    }
    return conf;
  }

  private readonly watched = new WeakSet<FsMediaServer>();

  /**
   * Conference member events on the server's event socket: a member that leaves a
   * conference without its channel hanging up (an operator's `conference kick`) is
   * forgotten too, so the next plan does not address a member id that is gone.
   */
  private watchMembers(server: FsMediaServer): void {
    if (this.watched.has(server)) return;
    this.watched.add(server);
    server.conn.subscribe('CUSTOM conference::maintenance');
    server.conn.on('esl::event::CUSTOM::*', (evt: EslEvent) => {
      if (evt.getHeader('Event-Subclass') !== 'conference::maintenance' || evt.getHeader('Action') !== 'del-member') return;
      const name = evt.getHeader('Conference-Name') ?? '';
      const memberId = Number(evt.getHeader('Member-ID'));
      const conf = [...this.calls.values()].find((c) => c.name === name);
      conf?.memberLeft(memberId);
    });
  }

  async createLeg(callId: string, key: string, remoteSdp?: string): Promise<MediaLeg> {
    const conf = this.conference(callId);
    const endpoint = await conf.server.createEndpoint(remoteSdp ? { remoteSdp } : {});
    this.onEndpointDialog(endpoint.dialog);
    const leg = new FsLeg(key, endpoint);
    // The call may have ended while the endpoint was being created.
    if (this.calls.get(callId) !== conf) {
      await leg.release();
      throw new UnknownCallMediaError(`call ${callId} ended while its media leg was created`);
    }
    conf.add(leg);
    return leg;
  }

  async applyPlan(callId: string, plan: CompiledPlan): Promise<void> {
    const conf = this.calls.get(callId);
    if (!conf) {
      if (Object.keys(plan.members).length === 0) return;
      throw new UnknownCallMediaError(`no media for call ${callId}`);
    }
    await conf.apply(plan);
  }

  async playToMember(callId: string, key: string, sound: string): Promise<void> {
    const conf = this.calls.get(callId);
    if (!conf) throw new UnknownCallMediaError(`no media for call ${callId}`);
    await conf.playTo(key, sound);
  }

  async dropConference(callId: string): Promise<void> {
    // Conference names are per call, so asking every server is exact; a server without it answers -ERR.
    await Promise.all(
      this.pool.servers().map((server) =>
        server.api(`conference coachline-${callId} hup all`).catch((err: unknown) => this.log.warn({ err, callId }, 'hanging up a lost call’s conference failed')),
      ),
    );
  }

  async endCall(callId: string): Promise<void> {
    const conf = this.calls.get(callId);
    if (!conf) return;
    this.calls.delete(callId);
    await conf.end();
  }

  health(): { ok: boolean; detail: string } {
    return this.pool.health();
  }

  /** Calls with media here, from their first leg to endCall (admission control's call count). */
  callCount(): number {
    return this.calls.size;
  }

  async endAll(): Promise<void> {
    await Promise.all([...this.calls.keys()].map((id) => this.endCall(id)));
  }
}
