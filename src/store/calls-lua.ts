import { Script } from './script';

/**
 * KEYS index (score 0, ordered by id), live (callId → lease expiry), versions (hash),
 * supervised (callId → lease expiry of its latest session), second index (checked
 * when ARGV[4] is '1')
 * ARGV after ('' for the start), count, now, useSecond
 * → { ids, versions, supervised }: the next `count` ids of the index after `after`,
 * with each one's record version (false for a call that is not live: lease run out,
 * or not in the second index) and 1 where it has live sessions. Entries whose lease
 * ran out (their instance died) leave the index.
 *
 * One round trip that sends no ids: a page of 500 would otherwise write them to Redis
 * once per command.
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
local watched = redis.call('ZMSCORE', KEYS[4], unpack(ids))
local inSecond = ARGV[4] == '1' and redis.call('ZMSCORE', KEYS[5], unpack(ids)) or nil
local stale = {}
for i, id in ipairs(ids) do
  if not leases[i] or tonumber(leases[i]) < now then
    stale[#stale + 1] = id
    versions[i] = false
  elseif inSecond and not inSecond[i] then
    versions[i] = false
  elseif not versions[i] then
    versions[i] = ''
  end
  watched[i] = (watched[i] and tonumber(watched[i]) >= now) and 1 or 0
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
