import { SessionOps } from './session-ops';

/**
 * Renews the leases of everything this instance owns, every LOCK_TTL / 3: the locks
 * and records of live sessions, and the records of live calls. If this instance dies,
 * a survivor finishes them (instance-reaper.ts) or, with none left, nothing renews them
 * and they expire, so another supervisor can coach the agent and dead calls leave the
 * listings (SPEC §7). A session whose lock another session now
 * holds fails with `lock_lost`; one another instance finished has its leg hung up here;
 * one whose call is gone (ended, or its owner's record expired) ends with `call_ended`.
 */
export class LeaseRefresher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** When the live calls' timelines were last given their TTL again (epoch ms). */
  private timelinesTouched = -Infinity;

  constructor(private readonly ops: SessionOps) {}

  start(): void {
    if (this.timer) return;
    const every = Math.max(50, Math.floor(this.ops.d.store.leaseMs / 3));
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.tick().finally(() => (this.running = undefined));
    }, every);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async tick(): Promise<void> {
    const { store, clock, signaling } = this.ops.d;
    const log = this.ops.d.logger;
    try {
      const calls = [...this.ops.ownedCalls.values()];
      // Leases only, in batches: the records are unchanged since their last save (issue 11).
      await store.calls.renew(calls, clock.now());
      await this.touchTimelines(calls.map((c) => c.call.id));
    } catch (err) {
      log.warn({ err }, 'renewing call leases failed');
    }
    for (const rec of [...this.ops.ownedSessions.values()]) {
      const s = rec.session;
      try {
        if (!(await this.ops.liveCall(s.callId))) {
          await this.endOrphan(s.id, s.callId);
          continue;
        }
        const res = await store.locks.renew(rec, clock.now());
        if (res === 'ok') continue;
        await this.ops.queue.run(s.callId, async () => {
          const current = this.ops.ownedSessions.get(s.id);
          if (!current) return;
          if (res === 'lost') {
            await this.ops.finish(current, { type: 'lock_lost' });
          } else {
            // Finished by another instance: take the leg down here, where it lives.
            this.ops.ownedSessions.delete(s.id);
            await signaling.hangupSupervisor(s.id);
            await this.ops.applyPlan(s.callId);
          }
        });
      } catch (err) {
        this.ops.logger(s.callId, s.id).warn({ err }, 'renewing the session lease failed');
      }
    }
  }

  /**
   * A timeline lives TIMELINE_TTL after its last append; a live call that goes that long
   * without an event must not lose it. Once a quarter of the TTL is plenty (every append
   * renews it anyway): every tick, 1,000 EXPIREs cost a few ms of each (issue 11).
   */
  private async touchTimelines(callIds: string[]): Promise<void> {
    const now = this.ops.d.clock.now();
    if (now - this.timelinesTouched < (this.ops.d.config.redis.timelineTtlSec * 1000) / 4) return;
    await this.ops.d.store.timeline.touch(callIds);
    this.timelinesTouched = now;
  }

  /**
   * A live session whose call is gone (ended here, or its owner's record expired): it
   * ends now, leg, locks and status with it. The call's own end normally does this; this
   * is the backstop that bounds any interleaving that missed it to LOCK_TTL / 3.
   */
  private endOrphan(sessionId: string, callId: string): Promise<void> {
    return this.ops.queue.run(callId, async () => {
      const current = this.ops.ownedSessions.get(sessionId);
      if (!current || (await this.ops.liveCall(callId))) return;
      this.ops.logger(callId, sessionId).warn('the session outlived its call; ending it');
      await this.ops.finish(current, { type: 'call_ended' }, { detail: { cause: 'call_gone' } });
    });
  }
}
