import type { ResolvedDeps } from './deps';
import { AppError } from './errors';

/**
 * Supervision starts per supervisor, counted in Redis across instances
 * (SUPERVISION_START_LIMIT per SUPERVISION_START_WINDOW_SEC). Every start keeps a
 * session record and timeline entries for TIMELINE_TTL, so a client looping on starts
 * (say, on a call whose dials fail at once) must not make thousands of them.
 */
const key = (supervisorId: string): string => `starts:${supervisorId}`;

/** Takes one start for the supervisor, or refuses with 429 too_many_sessions. */
export async function takeStart(d: ResolvedDeps, supervisorId: string): Promise<void> {
  const { supervisionStarts, supervisionStartWindowMs } = d.config.limits;
  const r = await d.store.rateLimits.take(key(supervisorId), supervisionStarts, supervisionStartWindowMs);
  if (r.taken) return;
  d.metrics.refusals.inc({ code: 'too_many_sessions' });
  const retryAfterSec = Math.max(1, Math.ceil(r.resetMs / 1000));
  throw new AppError('too_many_sessions', `you started ${r.count} supervisions in the last ${supervisionStartWindowMs / 1000} s, the most allowed; try again in ${retryAfterSec} s`, { retryAfterSec });
}

/** A start that was refused after all (busy, target gone) made no session: it does not count. */
export async function refundStart(d: ResolvedDeps, supervisorId: string): Promise<void> {
  await d.store.rateLimits.refund(key(supervisorId));
}
