import { endCall } from '../domain';
import { OwnerUnavailableError, type CallRecord } from '../store';
import { freeTakenOver } from './call-events';
import { SessionOps } from './session-ops';

/** Heartbeats per LOCK_TTL: a lost instance is noticed within 4 of them (see below). */
const BEATS_PER_LEASE = 10;
/** Beats an instance may miss before it counts as lost. */
const MISSED_BEATS = 3;

/**
 * Losing an instance (issue 13): the calls and sessions of an instance that died —
 * kill -9, its host gone — used to stay live in Redis until their leases ran out
 * (LOCK_TTL), their supervisors busy, with nothing on any timeline. Every instance
 * beats every LOCK_TTL / 10 and counts as lost after 3 missed beats; at each of its own
 * beats a survivor looks for lost instances — lapsed, and not answering a ping over
 * the command bus (a stalled process is slow, not lost) — and the one whose claim wins finishes
 * their live calls and sessions in Redis: each session ends (reason `call_ended`,
 * cause `owner_lost` on the timeline) with its locks freed and its supervisor's status
 * restored, then each call ends (`call_ended`, cause `owner_lost`) and leaves the
 * listings. The loss is noticed at most 0.4 × LOCK_TTL after the last beat, while the
 * dead instance's records still exist (renewed every LOCK_TTL / 3 for LOCK_TTL, so
 * they outlive its last beat by at least 0.6 × LOCK_TTL); what the survivor could not
 * see any more still expires with its lease, as before.
 *
 * The dead instance's conference is hung up on every FreeSWITCH this instance shares
 * with it (no channel left, no supervisor left listening), and every SIP dialog it held
 * gets a BYE on the drachtio-server it is on, this instance's or the lost node's (the
 * customer, the agents, the supervisors: no phone left connected to nothing). A node
 * lost whole took its dialogs with it (docs/ARCHITECTURE.md, "Losing an instance").
 */
export class InstanceReaper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly ops: SessionOps) {}

  private get everyMs(): number {
    return Math.max(20, Math.floor(this.ops.d.store.leaseMs / BEATS_PER_LEASE));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.tick().finally(() => (this.running = undefined));
    }, this.everyMs);
    this.timer.unref();
    // At once, so that a survivor knows this instance before its first interval passes.
    if (!this.running) this.running = this.tick().finally(() => (this.running = undefined));
  }

  /** A clean stop: this instance leaves the registry (its calls were hung up, or are left to their leases). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.ops.d.store.instances.leave(this.ops.d.instanceId).catch((err: unknown) => this.ops.d.logger.warn({ err }, 'leaving the instance registry failed'));
  }

  /** One beat: this instance's heartbeat, then any instance found lost is finished. */
  async tick(now = this.ops.d.clock.now()): Promise<void> {
    const { store, instanceId, logger } = this.ops.d;
    try {
      if ((await store.instances.beat(instanceId, now + MISSED_BEATS * this.everyMs)) === 'lost') await this.wasLost(now);
      for (const lost of await store.instances.lapsed(now)) {
        if (lost === instanceId || (await this.answers(lost))) continue;
        if (await store.instances.claim(lost, instanceId, store.leaseMs)) await this.finishLost(lost, now);
      }
    } catch (err) {
      logger.warn({ err }, 'the instance heartbeat or the reaper failed');
    }
  }

  /**
   * Whether an instance whose beats lapsed still answers a command: a process whose
   * event loop stalled past its beats (GC, a saturated box) is slow, not lost, and
   * finishing its calls would end live calls. A killed process has no subscriber left
   * (PUBLISH reaches nobody: no wait); a vanished host does not answer within
   * FORWARD_TIMEOUT_MS.
   */
  private async answers(instance: string): Promise<boolean> {
    const { store, instanceId, config } = this.ops.d;
    try {
      await store.commands.send(instanceId, instance, { op: 'ping', args: {} }, config.forwardTimeoutMs);
      return true;
    } catch (err) {
      if (err instanceof OwnerUnavailableError) return false;
      throw err;
    }
  }

  /** Ends in Redis what `lost` owned and still shows as live, then lets the registry forget it. */
  private async finishLost(lost: string, now: number): Promise<void> {
    const { store, logger } = this.ops.d;
    const calls = (await store.calls.list({}, now)).filter((r) => r.owner === lost && !r.call.ended);
    logger.warn({ instance: lost, calls: calls.length }, 'an instance stopped beating; finishing its calls and sessions');
    for (const rec of calls) {
      await this.ops.queue.run(rec.call.id, () => this.finishCall(rec, lost, now)).catch((err: unknown) => {
        this.ops.logger(rec.call.id).error({ err, instance: lost }, 'finishing a lost instance\'s call failed');
      });
    }
    // After the conferences: a phone that gets its BYE finds its call already ended in the API.
    const dialogs = await this.ops.d.signaling.hangUpLostDialogs(lost).catch((err: unknown) => {
      logger.warn({ err, instance: lost }, 'hanging up a lost instance’s dialogs failed');
      return undefined;
    });
    if (dialogs) logger.warn({ instance: lost, ...dialogs }, 'hung up the SIP dialogs a lost instance held');
    await store.instances.finished(lost);
  }

  private async finishCall(rec: CallRecord, lost: string, now: number): Promise<void> {
    const { store } = this.ops.d;
    const detail = { cause: 'owner_lost', instance: lost };
    // Sessions first: with the call still live their timeline entries carry its scope.
    // No hangup and no plan here: the leg and the conference were on the lost instance.
    for (const s of await store.sessions.listByCall(rec.call.id, now)) {
      await this.ops.finish(s, { type: 'call_ended' }, { hangup: false, applyPlan: false, detail });
    }
    const at = this.ops.now();
    const ended: CallRecord = { ...rec, call: endCall(rec.call), updatedAt: at, endedAt: at };
    // The lost owner cannot save any more, and only the claim's winner is here: the one writer.
    await store.calls.save(ended, rec, now);
    await this.ops.recordCall(ended.call, 'call_ended', undefined, detail);
    // A supervisor who had taken the call over was busy in it: available again.
    await freeTakenOver(this.ops, rec.call, ended.call);
    // Its conference lives on where FreeSWITCH is shared with this instance: hang it up, so
    // that no channel is left carrying the call — above all no supervisor still listening.
    await this.ops.d.media.dropConference(rec.call.id).catch((err: unknown) => this.ops.logger(rec.call.id).warn({ err }, 'dropping a lost call’s conference failed'));
  }

  /**
   * This instance was alive but missed its beats (paused, or cut off from Redis) long
   * enough for a survivor to finish its calls. They are ended for everyone else: it lets
   * them go (no renewal brings them back, nothing starts on them: SessionOps.liveCall)
   * and hangs up its supervisors' legs on them. The SIP calls themselves go on until
   * their phones hang up.
   */
  private async wasLost(now: number): Promise<void> {
    const { store, instanceId, logger } = this.ops.d;
    const held = [...this.ops.ownedCalls.keys()];
    logger.error({ calls: held.length }, 'this instance was declared lost and its calls finished by another; letting them go');
    const gone = new Set<string>();
    for (const id of held) {
      const rec = await store.calls.get(id);
      if (rec && !rec.call.ended) continue;
      this.ops.ownedCalls.delete(id);
      gone.add(id);
    }
    // Their sessions were finished too (timeline, locks, status): only the legs are left here.
    for (const r of [...this.ops.ownedSessions.values()]) {
      if (!gone.has(r.session.callId)) continue;
      this.ops.ownedSessions.delete(r.session.id);
      await this.ops.d.signaling.hangupSupervisor(r.session.id).catch((err: unknown) => logger.warn({ err }, 'hanging up the supervisor leg failed'));
    }
    this.ops.d.metrics.liveCalls.set(this.ops.ownedCalls.size);
    this.ops.d.metrics.liveSessions.set(this.ops.ownedSessions.size);
    await store.instances.rejoin(instanceId);
    await store.instances.beat(instanceId, now + MISSED_BEATS * this.everyMs);
  }
}
