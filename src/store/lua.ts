import { Script } from './script';

/**
 * The Lua scripts behind every atomic rule in the store. Each runs to completion
 * inside Redis, so "check, then set" cannot interleave with another instance.
 *
 * Presence hash fields: status (what routing and the API see), and while a session
 * holds the supervisor: session (its id) and restore (the status to go back to).
 * A presence whose `session` no longer holds the supervisor lock is stale — the owning
 * instance crashed and the lock expired — and reads as its `restore` status.
 */

/** KEYS supLock, presence, coachLock|'' · ARGV sessionId, ttlMs, wantCoach → 'ok' | refusal code. */
export const CLAIM = new Script(
  'claim',
  `
local want_coach = ARGV[3] == '1'
-- Same order as the domain's evaluateStart: mode checks (coach), busy, then status.
if want_coach and redis.call('EXISTS', KEYS[3]) == 1 then return 'coach_taken' end
if redis.call('EXISTS', KEYS[1]) == 1 then return 'supervisor_busy' end
local status = redis.call('HGET', KEYS[2], 'status')
if redis.call('HEXISTS', KEYS[2], 'session') == 1 then status = redis.call('HGET', KEYS[2], 'restore') end
if status ~= 'available' then return 'not_available' end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if want_coach then redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2]) end
redis.call('HSET', KEYS[2], 'status', 'busy', 'restore', status, 'session', ARGV[1])
return 'ok'
`,
);

/** KEYS supLock, presence, coachLock · ARGV sessionId → the restored status, or '' if nothing was held. */
export const RELEASE = new Script(
  'release',
  `
for _, k in ipairs({KEYS[1], KEYS[3]}) do
  if redis.call('GET', k) == ARGV[1] then redis.call('DEL', k) end
end
if redis.call('HGET', KEYS[2], 'session') == ARGV[1] then
  local restore = redis.call('HGET', KEYS[2], 'restore') or 'available'
  redis.call('HSET', KEYS[2], 'status', restore)
  redis.call('HDEL', KEYS[2], 'restore', 'session')
  return restore
end
return ''
`,
);

/**
 * A live session's lease renewal is two scripts, one per slot (keys.ts): its record
 * and index entries live with the calls ({calls}), its locks with the supervisors'
 * presence ({dir}). LockStore.renew runs RENEW_SESSION, then RENEW_LOCKS.
 *
 * KEYS session, sessionsByCall, supervisedCalls · ARGV sessionId, ttlMs, recordJson,
 * expiryMs, callId → 'ok' | 'ended'. A record that is absent is put back (after a
 * Redis restart without persistence the session carries on); one another instance
 * has finished is left alone.
 */
export const RENEW_SESSION = new Script(
  'renew_session',
  `
local raw = redis.call('GET', KEYS[1])
if raw then
  local state = cjson.decode(raw).session.state
  if state == 'ended' or state == 'failed' then return 'ended' end
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[2])
end
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
redis.call('ZADD', KEYS[3], 'GT', ARGV[4], ARGV[5])
return 'ok'
`,
);

/**
 * KEYS supLock, coachLock · ARGV sessionId, ttlMs, needCoach → 'ok' | 'lost'. A lock
 * that is absent is put back; one held by another session is lost.
 */
export const RENEW_LOCKS = new Script(
  'renew_locks',
  `
local function hold(key)
  local v = redis.call('GET', key)
  if not v then redis.call('SET', key, ARGV[1], 'PX', ARGV[2]) return true end
  if v == ARGV[1] then redis.call('PEXPIRE', key, ARGV[2]) return true end
  return false
end
if not hold(KEYS[1]) then return 'lost' end
if ARGV[3] == '1' and not hold(KEYS[2]) then return 'lost' end
return 'ok'
`,
);

/** KEYS coachLock · ARGV sessionId, ttlMs → 'ok' | 'coach_taken'. */
export const ACQUIRE_COACH = new Script(
  'acquire_coach',
  `
local v = redis.call('GET', KEYS[1])
if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 'ok' end
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 'ok' end
return 'coach_taken'
`,
);

/** KEYS lock · ARGV sessionId → 1 if deleted. */
export const COMPARE_AND_DELETE = new Script(
  'compare_and_delete',
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`,
);

/**
 * KEYS presence, supLock · ARGV status → 'set' | 'deferred'. While a live session
 * holds the supervisor, the new status becomes the one restored when it ends.
 */
export const SET_STATUS = new Script(
  'set_status',
  `
local s = redis.call('HGET', KEYS[1], 'session')
if s and redis.call('GET', KEYS[2]) == s then
  redis.call('HSET', KEYS[1], 'restore', ARGV[1])
  return 'deferred'
end
redis.call('HSET', KEYS[1], 'status', ARGV[1])
redis.call('HDEL', KEYS[1], 'restore', 'session')
return 'set'
`,
);

/**
 * KEYS timeline, eventSeq, recentEvents · ARGV entryJson, ttlSec, channel, scopeJson,
 * recentCap → the event id. Appending and publishing in one script makes the live
 * stream's order the timeline's order, across instances; the same message goes to the
 * capped list of recent events that a reconnecting stream resumes from.
 */
export const APPEND_TIMELINE = new Script(
  'append_timeline',
  `
local seq = redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
local id = redis.call('INCR', KEYS[2])
local msg = '{"id":' .. id .. ',"seq":' .. seq .. ',"entry":' .. ARGV[1] .. ',"scope":' .. ARGV[4] .. '}'
redis.call('PUBLISH', ARGV[3], msg)
redis.call('LPUSH', KEYS[3], msg)
redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[5]) - 1)
return {id, seq}
`,
);

/** KEYS eventSeq, recentEvents · ARGV channel, entryJson, scopeJson, recentCap → the event id (events not on a timeline). */
export const PUBLISH_EVENT = new Script(
  'publish_event',
  `
local id = redis.call('INCR', KEYS[1])
local msg = '{"id":' .. id .. ',"seq":0,"entry":' .. ARGV[2] .. ',"scope":' .. ARGV[3] .. '}'
redis.call('PUBLISH', ARGV[1], msg)
redis.call('LPUSH', KEYS[2], msg)
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[4]) - 1)
return id
`,
);
