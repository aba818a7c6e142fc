import { randomUUID } from 'node:crypto';
import Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { AdmissionPort } from '../app/admission';
import type { CallMediaPort } from '../app/ports';
import { Acl } from './acl';
import { AgentAcl } from './agent-acl';
import type { SipAuthThrottle } from './auth-throttle';
import type { SipContext, SipSettings } from './context';
import { NonceIssuer } from './digest';
import { HeldDialogs, type HeldDialogStore } from './held-dialogs';
import { LiveCalls } from './live-call';
import type { CallObserver, RegistrationStore, SipDirectory } from './ports';
import { sipRoutes } from './routes';
import { SupervisorDialer } from './supervisor-dialer';
import { SipCallControl } from './call-control';
import { disconnectDrachtio } from './drachtio-disconnect';
import { endLiveCall } from './teardown';
import { answerUnparsableMessages } from './unparsable-messages';
import { answerUnrouted } from './unrouted';

/**
 * The SIP side of coachline on one drachtio connection: routes, live calls, the
 * supervisor dialer. Reconnects to drachtio by itself (drachtio-srf does) and reports
 * its connection to /readyz.
 */
export interface SipAppOptions {
  /** The drachtio connection; fsmrf creates its endpoints through the same one. */
  srf: Srf;
  drachtio: { host: string; port: number; secret: string };
  settings: SipSettings;
  trunkAcl: string[];
  /** AGENT_ACL entries, `user@address` or `*@address` (src/sip/agent-acl.ts). */
  agentAcl: string[];
  authThrottle: SipAuthThrottle;
  media: CallMediaPort;
  directory: SipDirectory;
  registrations: RegistrationStore;
  /** Where this instance's dialogs are recorded for a survivor (src/sip/held-dialogs.ts). */
  heldDialogs: HeldDialogStore;
  observer: CallObserver;
  admission: AdmissionPort;
  log: Logger;
}

export class SipApp {
  readonly srf: Srf;
  readonly calls = new LiveCalls();
  readonly ctx: SipContext;
  readonly dialer: SupervisorDialer;
  readonly control: SipCallControl;
  private connected = false;
  /** Set when an established connection drops: the calls it carried are ended once it is back. */
  private lost = false;
  private lastError = 'connecting';

  constructor(private readonly options: SipAppOptions) {
    const o = options;
    this.srf = o.srf;
    this.ctx = {
      srf: this.srf,
      media: o.media,
      calls: this.calls,
      held: new HeldDialogs(o.srf, o.heldDialogs, o.log, o.drachtio),
      directory: o.directory,
      registrations: o.registrations,
      observer: o.observer,
      trunkAcl: new Acl(o.trunkAcl),
      agentAcl: new AgentAcl(o.agentAcl),
      authThrottle: o.authThrottle,
      settings: o.settings,
      admission: o.admission,
      log: o.log,
      newId: randomUUID,
    };
    if (this.ctx.agentAcl.bare.length > 0) {
      o.log.warn(
        { entries: this.ctx.agentAcl.bare },
        'AGENT_ACL entries without a user exempt nobody from digest auth: write user@address to let that SIP user call from there without a password, or *@address to trust any From (see README)',
      );
    }
    this.dialer = new SupervisorDialer(this.ctx);
    this.control = new SipCallControl(this.ctx, this.dialer);
    const routes = sipRoutes(new NonceIssuer());
    for (const [method, handler] of Object.entries(routes)) {
      (this.srf as unknown as Record<string, (h: (req: Srf.SrfRequest, res: Srf.SrfResponse) => void) => void>)[method]!(
        (req, res) => {
          handler(this.ctx, req, res).catch((err: unknown) => {
            o.log.error({ err, method }, 'SIP handler failed');
            if (!res.finalResponseSent) res.send(500);
          });
        },
      );
    }
    // After every route: whatever reaches the app and nothing answered (src/sip/unrouted.ts).
    this.srf.use(answerUnrouted(o.log));
    this.srf.on('connect', (err, hostport) => {
      if (err) return;
      this.connected = true;
      o.log.info({ hostport }, 'drachtio connected');
      if (this.lost) {
        this.lost = false;
        void this.endOrphanedCalls();
      }
    });
    // drachtio-srf says 'close' when the connection drops (it has no 'disconnect' event:
    // listening for one, /readyz stayed green until a reconnect attempt failed).
    (this.srf as unknown as NodeJS.EventEmitter).on('close', () => {
      this.connected = false;
      this.lost = true;
      this.lastError = 'disconnected';
      o.log.error('drachtio connection lost; reconnecting');
    });
    this.srf.on('error', (err) => {
      this.connected = false;
      this.lastError = err.message;
      o.log.warn({ err: err.message }, 'drachtio connection error');
    });
  }

  start(): void {
    // drachtio-srf retries the connection by itself while it is not up.
    this.srf.connect({ host: this.options.drachtio.host, port: this.options.drachtio.port, secret: this.options.drachtio.secret });
    this.ctx.held.start();
    try {
      answerUnparsableMessages(this.srf, this.options.log);
    } catch (err) {
      // Calls still work without it; requests drachtio-srf cannot parse stay unanswered.
      this.options.log.error({ err }, 'cannot answer unparsable SIP requests: drachtio-srf internals changed');
    }
  }

  /**
   * drachtio-server routes a dialog's requests to the connection that made it, and a
   * new connection is another client to it (a restarted server knows no dialog at all
   * and answers the phones' BYEs 481 itself): the calls up before the loss can no
   * longer hear from their phones. They are ended once the connection is back — their
   * audio, which never went through drachtio, went on meanwhile —, with a BYE that
   * reaches the phones when the server kept its dialogs, and their FreeSWITCH channels,
   * sessions and locks released in every case.
   */
  private async endOrphanedCalls(): Promise<void> {
    const calls = this.calls.all();
    if (calls.length === 0) return;
    this.options.log.warn({ calls: calls.length }, 'drachtio reconnected: ending the calls whose dialogs it no longer routes to this app');
    await Promise.all(
      calls.map((c) => endLiveCall(this.ctx, c, 'drachtio_connection_lost').catch((err: unknown) => this.options.log.error({ err, callId: c.id }, 'ending an orphaned call failed'))),
    );
  }

  health(): { ok: boolean; detail: string } {
    return this.connected ? { ok: true, detail: 'connected' } : { ok: false, detail: this.lastError };
  }

  /** BYE the phones of a lost instance's calls on the drachtio-server they are on (src/sip/held-dialogs.ts). */
  hangUpLostDialogs(instanceId: string): Promise<{ reached: number; held: number; server?: string }> {
    return this.ctx.held.hangUpLost(instanceId);
  }

  /** A dialog this instance holds that it did not make through the SIP flows (a FreeSWITCH endpoint's). */
  trackDialog(dialog: Srf.Dialog): void {
    this.ctx.held.track(dialog);
  }

  /** Hang up every call of this instance (shutdown: FreeSWITCH would keep the channels). */
  async stop(): Promise<void> {
    try {
      await Promise.all(this.calls.all().map((c) => endLiveCall(this.ctx, c, 'shutdown')));
    } finally {
      this.ctx.held.stop();
      disconnectDrachtio(this.srf);
    }
  }
}
