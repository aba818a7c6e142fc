import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';

/** Where an instance's held dialogs are kept (Redis: src/store/instances.ts), bound to this instance. */
export interface HeldDialogStore {
  hold(dialogId: string): Promise<void>;
  release(dialogIds: string[]): Promise<void>;
  /** What another instance held when it last said so. */
  heldBy(instanceId: string): Promise<string[]>;
}

/** How often ended dialogs are dropped from the stored set. */
const SWEEP_MS = 5000;
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
 * agents', consult lines, supervisors' — kept in Redis so that, if the instance dies,
 * a survivor connected to the same drachtio-server can hang them up (issue 13).
 * drachtio-server keeps a dead app's dialogs until their far ends hang up, and lets any
 * connected app send a request inside any dialog it holds: it finds the dialog by id
 * alone (SipDialogController::doSendRequestInsideDialog). A dialog on another
 * drachtio-server is not found there: that BYE fails and nothing else happens.
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
  ) {}

  track(dialog: Srf.Dialog): void {
    const id = idOf(dialog);
    this.held.add(id);
    // A call must not fail because Redis is away: it is only less well covered.
    this.store.hold(id).catch((err: unknown) => this.log.warn({ err, dialogId: id }, 'recording a held dialog failed'));
    if (!this.timer) {
      this.timer = setInterval(() => void this.sweep().catch((err: unknown) => this.log.warn({ err }, 'sweeping held dialogs failed')), SWEEP_MS);
      this.timer.unref();
    }
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
   * BYE (with a Reason) every dialog a lost instance held, through this instance's
   * drachtio-server. Resolves with how many it reached; a dialog not on this server, or
   * already gone, is left alone.
   */
  async hangUpLost(instanceId: string): Promise<{ reached: number; held: number }> {
    const ids = await this.store.heldBy(instanceId);
    let reached = 0;
    for (let i = 0; i < ids.length; i += BYES_AT_ONCE) {
      const results = await Promise.all(ids.slice(i, i + BYES_AT_ONCE).map((id) => this.bye(id)));
      reached += results.filter(Boolean).length;
    }
    return { reached, held: ids.length };
  }

  private bye(stackDialogId: string): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), 5000);
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        resolve(ok);
      };
      try {
        // drachtio-srf's own Dialog#destroy sends the same request: a BYE named by dialog
        // id (drachtio-server sends it to the dialog's remote target; the URI is ignored).
        (this.srf as unknown as RawRequest).request('sip:placeholder', { method: 'BYE', stackDialogId, headers: { Reason: LOST_REASON } }, (err, req) => {
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
