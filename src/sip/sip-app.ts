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
import { LiveCalls } from './live-call';
import type { CallObserver, RegistrationStore, SipDirectory } from './ports';
import { sipRoutes } from './routes';
import { SupervisorDialer } from './supervisor-dialer';
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
  observer: CallObserver;
  admission: AdmissionPort;
  log: Logger;
}

export class SipApp {
  readonly srf: Srf;
  readonly calls = new LiveCalls();
  readonly ctx: SipContext;
  readonly dialer: SupervisorDialer;
  private connected = false;
  private lastError = 'connecting';

  constructor(private readonly options: SipAppOptions) {
    const o = options;
    this.srf = o.srf;
    this.ctx = {
      srf: this.srf,
      media: o.media,
      calls: this.calls,
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
    });
    this.srf.on('disconnect', () => {
      this.connected = false;
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
    try {
      answerUnparsableMessages(this.srf, this.options.log);
    } catch (err) {
      // Calls still work without it; requests drachtio-srf cannot parse stay unanswered.
      this.options.log.error({ err }, 'cannot answer unparsable SIP requests: drachtio-srf internals changed');
    }
  }

  health(): { ok: boolean; detail: string } {
    return this.connected ? { ok: true, detail: 'connected' } : { ok: false, detail: this.lastError };
  }

  /** Hang up every call of this instance (shutdown: FreeSWITCH would keep the channels). */
  async stop(): Promise<void> {
    try {
      await Promise.all(this.calls.all().map((c) => endLiveCall(this.ctx, c, 'shutdown')));
    } finally {
      disconnectDrachtio(this.srf);
    }
  }
}
