import { isCluster, type RedisClient } from './client';
import { guard } from './errors';
import { Keys } from './keys';

/**
 * The kept data of the key layout before hash tags (keys.ts), renamed to the tagged
 * names once, at start: `P user:ana` → `P {dir}:user:ana`, and so on. Only what
 * outlives a restart is carried over — the directory, presence, timelines, the event
 * counter and the recent events; live calls, sessions and locks are leases the old
 * instances held. RENAMENX: a key already under its new name is left as it is (and
 * the old one with it). One server or Sentinel only: the old layout never ran on a
 * cluster, and a RENAME across slots is refused there.
 *
 * Returns how many keys were renamed (0 on every start after the first).
 */
export async function migrateUntaggedKeys(redis: RedisClient, keys: Keys): Promise<number> {
  if (isCluster(redis)) return 0;
  const p = keys.prefix;
  const single: [string, string][] = [
    ['users', keys.users()],
    ['users:admin', keys.admins()],
    ['numbers', keys.numbers()],
    ['directory:bootstrapped', keys.bootstrapped()],
    ['events:seq', keys.eventSeq()],
    ['events:recent', keys.recentEvents()],
  ];
  const families: [string, (id: string) => string][] = [
    ['user:', keys.user],
    ['number:', keys.number],
    ['token:', keys.token],
    ['sipcred:', keys.sipCredential],
    ['presence:', keys.presence],
    ['timeline:', keys.timeline],
  ];
  const renames: [string, string][] = single.map(([old, now]) => [p + old, now]);
  for (const [family, name] of families) {
    for (const old of await scan(redis, `${globEscape(p + family)}*`)) renames.push([old, name(old.slice(p.length + family.length))]);
  }
  let moved = 0;
  for (const [old, now] of renames) {
    if (old === now) continue;
    moved += await guard(() => redis.renamenx(old, now)).catch((err: unknown) => {
      if (err instanceof Error && /no such key/i.test(err.message)) return 0;
      throw err;
    });
  }
  return moved;
}

function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

async function scan(redis: RedisClient, pattern: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await guard(() => redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000));
    out.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return out;
}
