import { Script } from './script';

/**
 * The directory's writes as scripts, so that "is this token / SIP username free, is
 * this the last admin, is the record still the one I read" and the write are one
 * atomic step across instances: of concurrent requests claiming one credential,
 * exactly one wins.
 *
 * Records are compared as the exact JSON read before (compare-and-set); 'conflict'
 * means another write came in between, and the caller re-reads and tries again.
 */

/**
 * KEYS user, users, presence, admins, then newTokenKeys[nNew], newSipKey[hasNewSip],
 * staleTokenKeys[nStale], staleSipKey[hasStaleSip]
 * ARGV mode (create | replace | import), userId, userJson, expectedJson, status|'',
 *      nNew, hasNewSip, nStale, hasStaleSip, isAdmin
 * → 'ok' | 'user_exists' | 'user_not_found' | 'conflict' | 'token_in_use' | 'sip_username_in_use' | 'last_admin'
 *
 * `import` (the directory file, already validated as a whole) neither compares nor
 * checks: the file is the operator's decision.
 */
export const WRITE_USER = new Script(
  'write_user',
  `
local mode, id = ARGV[1], ARGV[2]
local cur = redis.call('GET', KEYS[1])
if mode == 'create' and cur then return 'user_exists' end
if mode == 'replace' then
  if not cur then return 'user_not_found' end
  if cur ~= ARGV[4] then return 'conflict' end
end
local i = 5
local function take(n)
  local out = {}
  for j = 1, n do out[j] = KEYS[i] i = i + 1 end
  return out
end
local fresh = take(tonumber(ARGV[6]))
local freshSip = take(tonumber(ARGV[7]))
local stale = take(tonumber(ARGV[8]))
local staleSip = take(tonumber(ARGV[9]))
local admin = ARGV[10] == '1'
if mode ~= 'import' then
  for _, k in ipairs(fresh) do
    local owner = redis.call('GET', k)
    if owner and owner ~= id then return 'token_in_use' end
  end
  for _, k in ipairs(freshSip) do
    local owner = redis.call('GET', k)
    if owner and owner ~= id then return 'sip_username_in_use' end
  end
  if not admin and redis.call('SISMEMBER', KEYS[4], id) == 1 and redis.call('SCARD', KEYS[4]) <= 1 then return 'last_admin' end
end
for _, k in ipairs(stale) do if redis.call('GET', k) == id then redis.call('DEL', k) end end
for _, k in ipairs(staleSip) do if redis.call('GET', k) == id then redis.call('DEL', k) end end
redis.call('SET', KEYS[1], ARGV[3])
redis.call('SADD', KEYS[2], id)
for _, k in ipairs(fresh) do redis.call('SET', k, id) end
for _, k in ipairs(freshSip) do redis.call('SET', k, id) end
if ARGV[5] ~= '' then redis.call('HSET', KEYS[3], 'status', ARGV[5]) end
if admin then redis.call('SADD', KEYS[4], id) else redis.call('SREM', KEYS[4], id) end
return 'ok'
`,
);

/**
 * KEYS user, users, presence, admins, then tokenKeys[nTokens], sipKey[hasSip], numberKeys[nNumbers]
 * ARGV userId, expectedJson, nTokens, hasSip, nNumbers, then per number: expectedJson, newJson
 * → 'ok' | 'user_not_found' | 'conflict' | 'last_admin'
 *
 * The numbers are those whose distribution names the user, rewritten without them.
 */
export const DELETE_USER = new Script(
  'delete_user',
  `
local id = ARGV[1]
local cur = redis.call('GET', KEYS[1])
if not cur then return 'user_not_found' end
if cur ~= ARGV[2] then return 'conflict' end
if redis.call('SISMEMBER', KEYS[4], id) == 1 and redis.call('SCARD', KEYS[4]) <= 1 then return 'last_admin' end
local nTokens, hasSip, nNumbers = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local first = 5 + nTokens + hasSip
for j = 1, nNumbers do
  if redis.call('GET', KEYS[first + j - 1]) ~= ARGV[5 + 2 * j - 1] then return 'conflict' end
end
for j = 1, nTokens + hasSip do
  local k = KEYS[4 + j]
  if redis.call('GET', k) == id then redis.call('DEL', k) end
end
for j = 1, nNumbers do redis.call('SET', KEYS[first + j - 1], ARGV[5 + 2 * j]) end
redis.call('DEL', KEYS[1], KEYS[3])
redis.call('SREM', KEYS[2], id)
redis.call('SREM', KEYS[4], id)
return 'ok'
`,
);

/** KEYS admins · ARGV adminIds… → 1 when the index was missing and is now built (a directory from before it existed). */
export const SEED_ADMIN_INDEX = new Script(
  'seed_admin_index',
  `
if redis.call('EXISTS', KEYS[1]) == 1 or #ARGV == 0 then return 0 end
redis.call('SADD', KEYS[1], unpack(ARGV))
return 1
`,
);
