import type { RedisClient } from './client';
import { RefusalCode, Session } from '../domain';
import { guard } from './errors';
import { Keys } from './keys';
import { ACQUIRE_COACH, CLAIM, COMPARE_AND_DELETE, RELEASE, RENEW_LOCKS, RENEW_SESSION } from './lua';
import { SessionRecord } from './types';

export type ClaimResult = 'ok' | Extract<RefusalCode, 'coach_taken' | 'supervisor_busy' | 'not_available'>;
export type RefreshResult = 'ok' | 'lost' | 'ended';

/**
 * The two exclusive rules of SPEC §5 — one coach per agent leg, one session per
 * supervisor — as Redis keys holding the owning session id with a TTL (LOCK_TTL).
 * A live session renews its locks; if its instance dies they expire, so a crash
 * never leaves an agent un-coachable or a supervisor stuck.
 *
 * The coach lock is per call *participant* (leg), not per user: an agent's user id
 * could be on two legs (transfer back to the same agent), each coachable once.
 */
export class LockStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    readonly ttlMs: number,
  ) {}

  /**
   * Atomically: the coach lock (when coaching), the supervisor lock, and the
   * supervisor's status from available to busy, remembering it for the restore.
   */
  async claim(s: Pick<Session, 'id' | 'supervisorId' | 'callId' | 'target' | 'mode'>): Promise<ClaimResult> {
    const coach = s.mode === 'coach';
    const k = this.keys;
    const keys = [k.supervisorLock(s.supervisorId), k.presence(s.supervisorId), k.coachLock(s.callId, s.target)];
    return (await guard(() => CLAIM.run(this.redis, keys, [s.id, this.ttlMs, coach ? '1' : '0']))) as ClaimResult;
  }

  /** For a switch to coach on a live session: take the agent's coach lock. */
  async acquireCoach(s: Pick<Session, 'id' | 'callId' | 'target'>): Promise<'ok' | 'coach_taken'> {
    const key = this.keys.coachLock(s.callId, s.target);
    return (await guard(() => ACQUIRE_COACH.run(this.redis, [key], [s.id, this.ttlMs]))) as 'ok' | 'coach_taken';
  }

  /** For a switch away from coach: give the agent's coach lock back (only if this session holds it). */
  async releaseCoach(s: Pick<Session, 'id' | 'callId' | 'target'>): Promise<boolean> {
    const key = this.keys.coachLock(s.callId, s.target);
    return (await guard(() => COMPARE_AND_DELETE.run(this.redis, [key], [s.id]))) === 1;
  }

  /** Everything the session holds, and the supervisor's status restored. Idempotent. Returns the restored status or undefined. */
  async release(s: Pick<Session, 'id' | 'supervisorId' | 'callId' | 'target'>): Promise<string | undefined> {
    const k = this.keys;
    const keys = [k.supervisorLock(s.supervisorId), k.presence(s.supervisorId), k.coachLock(s.callId, s.target)];
    const restored = (await guard(() => RELEASE.run(this.redis, keys, [s.id]))) as string;
    return restored === '' ? undefined : restored;
  }

  /**
   * Renews a live session's lease — record, index entry, locks — as two atomic steps,
   * one per slot (the record and index with the calls, the locks with the supervisors;
   * keys.ts): 'ended' when another instance finished the session (its record says
   * so; then whatever of it this instance still holds is let go, in case an end raced
   * the previous renewal), 'lost' when another session holds one of its locks now.
   */
  async renew(record: SessionRecord, now: number): Promise<RefreshResult> {
    const s = record.session;
    const k = this.keys;
    const sessionKeys = [k.session(s.id), k.sessionsByCall(s.callId), k.supervisedCalls()];
    const renewed = (await guard(() => RENEW_SESSION.run(this.redis, sessionKeys, [s.id, this.ttlMs, JSON.stringify(record), now + this.ttlMs, s.callId]))) as 'ok' | 'ended';
    if (renewed === 'ended') {
      await this.release(s);
      return 'ended';
    }
    const lockKeys = [k.supervisorLock(s.supervisorId), k.coachLock(s.callId, s.target)];
    return (await guard(() => RENEW_LOCKS.run(this.redis, lockKeys, [s.id, this.ttlMs, s.mode === 'coach' ? '1' : '0']))) as RefreshResult;
  }

  /** Session id holding the coach lock of each participant (absent when free). */
  async coachHolders(callId: string, participantIds: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (participantIds.length === 0) return out;
    const vals = await guard(() => this.redis.mget(...participantIds.map((p) => this.keys.coachLock(callId, p))));
    vals.forEach((v, i) => {
      if (v !== null) out.set(participantIds[i]!, v);
    });
    return out;
  }

  async supervisorHolder(userId: string): Promise<string | undefined> {
    return (await guard(() => this.redis.get(this.keys.supervisorLock(userId)))) ?? undefined;
  }
}
