import Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import { disconnectDrachtio } from './drachtio-disconnect';

/** Where an instance's held dialogs are kept (Redis: src/store/instances.ts), bound to this instance. */
export interface HeldDialogStore {
  /** Which drachtio-server (`host:port`) this instance's dialogs are on. */
  announce(server: string): Promise<void>;
  hold(dialogId: string): Promise<void>;
  release(dialogIds: string[]): Promise<void>;
  /** What another instance held when it last said so, and on which drachtio-server. */
  heldBy(instanceId: string): Promise<{ server?: string; ids: string[] }>;
}

/** This instance's drachtio connection settings; another node's server is reached with the same secret. */
export interface DrachtioAddress {
  host: string;
  port: number;
  secret: string;
}

/** How often ended dialogs are dropped from the stored set (and the server announced again). */
const SWEEP_MS = 5000;
/** Bound on connecting to a lost node's drachtio-server. */
const CONNECT_MS = 3000;
/** BYEs in flight at once when hanging up a lost instance's dialogs. */
const BYES_AT_ONCE = 20;
const LOST_REASON = 'SIP;cause=503;text="coachline instance lost"';

/** drachtio-srf's dialog id (drachtio-server's id for the dialog: `Dialog#id`, not in its typings). */
const idOf = (dialog: Srf.Dialog): string => (dialog as unknown as { id: string }).id;

/** Srf#findDialogById and Srf#request as drachtio-srf implements them (its typings lack one and declare another signature). */
interface RawRequest {
  findDialogById(id: string): unknown;
  request(
    uri: string,
    opts: { method: string; stackDialogId: string; headers: Record<string, string> },
    cb: (err: unknown, req: NodeJS.EventEmitter | undefined) => void,
  ): void;
}

/**
 * The SIP dialogs this instance holds on its drachtio-server — the customer's, the
 * agents', consult lines, supervisors', and its FreeSWITCH endpoints' — kept in Redis
 * with that server's address so that, if the instance dies, a survivor can hang them up
 * (issue 13). drachtio-server keeps a dead app's dialogs until their far ends hang up,
 * and lets any connected app send a request inside any dialog it holds: it finds the
 * dialog by id alone (SipDialogController::doSendRequestInsideDialog). So the survivor
 * sends the BYEs through its own connection when the lost instance shared its
 * drachtio-server, and otherwise connects to the lost node's drachtio-server for as
 * long as that takes (a node whose app died while its drachtio-server lives on). A
 * server that is gone too took the dialogs with it: nothing can be sent then.
 *
 * A dialog is recorded when it is made; ended ones (ours or theirs: drachtio-srf then
 * forgets them) are dropped from Redis every few seconds, so the set is what is up,
 * plus at most a few seconds of what just ended — a BYE to one of those finds nothing.
 */
export class HeldDialogs {
  private readonly held = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly srf: Srf,
    private readonly store: HeldDialogStore,
    private readonly log: Logger,
    private readonly own: DrachtioAddress,
  ) {}

  private get server(): string {
    return `${this.own.host}:${this.own.port}`;
  }

  /** Says which drachtio-server this instance's dialogs are on, then again every sweep (the key expires with the beats). */
  start(): void {
    if (this.timer) return;
    this.announce();
    this.timer = setInterval(() => {
      this.announce();
      void this.sweep().catch((err: unknown) => this.log.warn({ err }, 'sweeping held dialogs failed'));
    }, SWEEP_MS);
    this.timer.unref();
  }

  private announce(): void {
    this.store.announce(this.server).catch((err: unknown) => this.log.warn({ err }, 'announcing the drachtio-server of held dialogs failed'));
  }

  track(dialog: Srf.Dialog): void {
    const id = idOf(dialog);
    if (!id) return;
    this.held.add(id);
    // A call must not fail because Redis is away: it is only less well covered.
    this.store.hold(id).catch((err: unknown) => this.log.warn({ err, dialogId: id }, 'recording a held dialog failed'));
  }

  /** Drops the dialogs that ended since the last sweep. */
  async sweep(): Promise<void> {
    const srf = this.srf as unknown as RawRequest;
    const ended = [...this.held].filter((id) => !srf.findDialogById(id));
    if (ended.length === 0) return;
    for (const id of ended) this.held.delete(id);
    await this.store.release(ended).catch((err: unknown) => {
      // Kept for the next sweep.
      for (const id of ended) this.held.add(id);
      this.log.warn({ err }, 'releasing ended dialogs failed');
    });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * BYE (with a Reason) every dialog a lost instance held, on the drachtio-server it
   * held them on: this instance's own connection when that is the same server, else a
   * connection of its own to that server, closed after. Resolves with how many it
   * reached; a dialog already gone, or a server that cannot be reached, is left alone.
   */
  async hangUpLost(instanceId: string): Promise<{ reached: number; held: number; server?: string }> {
    const { server, ids } = await this.store.heldBy(instanceId);
    const where = server ? { server } : {};
    if (ids.length === 0) return { reached: 0, held: 0, ...where };
    if (!server || server === this.server) return { reached: await this.byeAll(this.srf, ids), held: ids.length, ...where };
    let other: Srf;
    try {
      other = await this.connect(server);
    } catch (err) {
      this.log.warn({ err, server, instance: instanceId }, 'cannot reach a lost instance’s drachtio-server: its dialogs are left to their phones');
      return { reached: 0, held: ids.length, server };
    }
    try {
      return { reached: await this.byeAll(other, ids), held: ids.length, server };
    } finally {
      disconnectDrachtio(other);
    }
  }

  /** A bare connection to another drachtio-server: it registers no route, so it is handed no new request. */
  private connect(server: string): Promise<Srf> {
    const colon = server.lastIndexOf(':');
    const host = server.slice(0, colon).replace(/^\[|\]$/g, '');
    const port = Number(server.slice(colon + 1));
    const srf = new Srf();
    return new Promise((resolve, reject) => {
      let late = false;
      const timer = setTimeout(() => {
        late = true;
        disconnectDrachtio(srf);
        reject(new Error(`no drachtio-server at ${server} within ${CONNECT_MS} ms`));
      }, CONNECT_MS);
      srf.on('connect', (err: unknown) => {
        if (err) return;
        // Connected just after giving up: nobody will use it.
        if (late) return disconnectDrachtio(srf);
        clearTimeout(timer);
        resolve(srf);
      });
      // drachtio-srf retries by itself until the timer gives up.
      srf.on('error', () => undefined);
      srf.connect({ host, port, secret: this.own.secret });
    });
  }

  private async byeAll(srf: Srf, ids: string[]): Promise<number> {
    let reached = 0;
    for (let i = 0; i < ids.length; i += BYES_AT_ONCE) {
      const results = await Promise.all(ids.slice(i, i + BYES_AT_ONCE).map((id) => this.bye(srf, id)));
      reached += results.filter(Boolean).length;
    }
    return reached;
  }

  private bye(srf: Srf, stackDialogId: string): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), 5000);
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        resolve(ok);
      };
      try {
        // drachtio-srf's own Dialog#destroy sends the same request: a BYE named by dialog
        // id (drachtio-server sends it to the dialog's remote target; the URI is ignored).
        (srf as unknown as RawRequest).request('sip:placeholder', { method: 'BYE', stackDialogId, headers: { Reason: LOST_REASON } }, (err, req) => {
          if (err || !req) return done(false);
          req.on('response', () => done(true));
        });
      } catch (err) {
        this.log.debug({ err, stackDialogId }, 'BYE to a lost instance’s dialog not sent');
        done(false);
      }
    });
  }
}
