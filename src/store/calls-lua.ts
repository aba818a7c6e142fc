import { Script } from './script';

/**
 * KEYS index (score 0, ordered by id), live (callId → lease expiry), versions (hash),
 * supervised (callId → lease expiry of its latest session), second index (checked
 * when ARGV[4] is '1')
 * ARGV after ('' for the start), count, now, useSecond
 * → { ids, versions, supervised }: the next `count` ids of the index after `after`,
 * with each one's record version (false for a call that is not live: lease run out,
 * or not in the second index); then those of the live ones that have live sessions.
 * Entries whose lease ran out (their instance died) leave the index.
 *
 * One round trip that sends no ids: a page of 500 would otherwise write them to Redis
 * once per command. The supervised calls are read as a range (a few, however long the
 * page) rather than one score per listed call. Their sessions' ids are read after,
 * by LIVE_SESSION_IDS with their keys: a script must be given every key it touches
 * (Redis Cluster routes it by them), and these are known only once the page is.
 */
export const PAGE_CALL_IDS = new Script(
  'page_call_ids',
  `
local from = ARGV[1] == '' and '-' or ('(' .. ARGV[1])
local ids = redis.call('ZRANGEBYLEX', KEYS[1], from, '+', 'LIMIT', 0, tonumber(ARGV[2]))
if #ids == 0 then return {ids, {}, {}} end
local now = tonumber(ARGV[3])
local leases = redis.call('ZMSCORE', KEYS[2], unpack(ids))
local versions = redis.call('HMGET', KEYS[3], unpack(ids))
local inSecond = ARGV[4] == '1' and redis.call('ZMSCORE', KEYS[5], unpack(ids)) or nil
local supervised = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[4], now, '+inf')) do supervised[id] = true end
local stale, watched = {}, {}
for i, id in ipairs(ids) do
  if not leases[i] or tonumber(leases[i]) < now then
    stale[#stale + 1] = id
    versions[i] = false
  elseif inSecond and not inSecond[i] then
    versions[i] = false
  else
    if not versions[i] then versions[i] = '' end
    if supervised[id] then watched[#watched + 1] = id end
  end
end
if #stale > 0 then
  redis.call('ZREM', KEYS[1], unpack(stale))
  redis.call('HDEL', KEYS[3], unpack(stale))
end
return {ids, versions, watched}
`,
);

/** KEYS sessionsByCall… · ARGV now → for each key, the ids of its sessions whose lease has not run out. */
export const LIVE_SESSION_IDS = new Script(
  'live_session_ids',
  `
local out = {}
for i, k in ipairs(KEYS) do out[i] = redis.call('ZRANGEBYSCORE', k, ARGV[1], '+inf') end
return out
`,
);

/**
 * KEYS call, live (callId → lease expiry), versions, id index, number's index, agents' indexes…
 * ARGV record JSON, leaseMs, expiry, callId, a fresh version
 * → 1 renewed, 0 left alone because the stored record is ended.
 *
 * The lease renewal of one live call. It runs beside the call's own saves, not in
 * their order: a renewal read before the end but run after it must not write the
 * live record back over the ended one (that listed a finished call as live until the
 * lease ran out, and supervisors started on it; issue 15).
 */
export const REFRESH_CALL = new Script(
  'refresh_call',
  `
local raw = redis.call('GET', KEYS[1])
if raw and cjson.decode(raw).call.ended then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('HSETNX', KEYS[3], ARGV[4], ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
for i = 4, #KEYS do redis.call('ZADD', KEYS[i], 0, ARGV[4]) end
return 1
`,
);

/**
 * KEYS live (callId → lease expiry), versions, id index, then one call key per call
 * ARGV leaseMs, expiry, now, then the calls' ids in the order of their keys
 * → the ids of the calls this could not renew: their record must be written again
 * (REFRESH_CALL), or they have ended.
 *
 * The lease renewal of many unchanged calls in one script, without their records
 * (issue 11: resending 1,000 records every LOCK_TTL / 3 stalled the API 40–100 ms a
 * tick). A call is renewed here only when its version, its live lease (not run out)
 * and its id-index entry are all present: an end saves the record and drops the
 * version and the lease in one MULTI, and nothing but a live save or REFRESH_CALL puts
 * them back, so this never renews an ended call and needs no JSON decode. A lease that
 * ran out may have had its index entries pruned by a listing (PAGE_CALL_IDS), and a
 * record Redis lost must be written again: both go back to the caller for repair.
 */
export const RENEW_CALLS = new Script(
  'renew_calls',
  `
local lease, expiry, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local repair = {}
for i = 4, #KEYS do
  local id = ARGV[i]
  local score = redis.call('ZSCORE', KEYS[1], id)
  if score and tonumber(score) >= now and redis.call('HEXISTS', KEYS[2], id) == 1
      and redis.call('ZSCORE', KEYS[3], id) and redis.call('PEXPIRE', KEYS[i], lease) == 1 then
    redis.call('ZADD', KEYS[1], expiry, id)
  else
    repair[#repair + 1] = id
  end
end
return repair
`,
);

/**
 * KEYS live (callId → lease expiry), then one agent index per agent asked about
 * ARGV now → the 1-based positions (among the agent indexes) of the agents on at
 * least one live call — ringing or connected, on any instance. A call whose lease
 * ran out (its instance died) does not count.
 */
export const BUSY_AGENTS = new Script(
  'busy_agents',
  `
local now = tonumber(ARGV[1])
local busy = {}
for i = 2, #KEYS do
  local ids = redis.call('ZRANGE', KEYS[i], 0, -1)
  if #ids > 0 then
    for _, lease in ipairs(redis.call('ZMSCORE', KEYS[1], unpack(ids))) do
      if lease and tonumber(lease) >= now then
        busy[#busy + 1] = i - 1
        break
      end
    end
  end
end
return busy
`,
);
