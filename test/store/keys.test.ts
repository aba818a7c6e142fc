import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { Keys, hashTag } from '../../src/store';

/**
 * Issue 13 item 5: the key layout a Redis Cluster needs (src/store/keys.ts). Keys that
 * scripts and MULTIs use together share a hash tag, so each script goes to one slot;
 * and every script names each key it touches in KEYS (a cluster routes it by them).
 * test/cluster/ runs the store tests on a real cluster, where a slip is a CROSSSLOT error.
 */
t.test('hash tags: one per group of keys used together', async (t) => {
  const k = new Keys('coachline:');
  const table: [string, string][] = [
    [k.call('c1'), 'calls'], [k.liveCalls(), 'calls'], [k.liveCallIds(), 'calls'], [k.callVersions(), 'calls'],
    [k.callIdsByNumber('+34910000001'), 'calls'], [k.callIdsByAgent('ana'), 'calls'], [k.session('s1'), 'calls'],
    [k.sessionsByCall('c1'), 'calls'], [k.supervisedCalls(), 'calls'],
    [k.instances(), 'calls'], [k.instanceReaper('i1'), 'calls'], [k.instanceLost('i1'), 'calls'],
    [k.coachLock('c1', 'A'), 'dir'], [k.supervisorLock('sue'), 'dir'], [k.presence('sue'), 'dir'], [k.user('sue'), 'dir'],
    [k.users(), 'dir'], [k.admins(), 'dir'], [k.number('+34910000001'), 'dir'], [k.numbers(), 'dir'], [k.token('ab'), 'dir'],
    [k.sipCredential('sue'), 'dir'], [k.bootstrapped(), 'dir'],
    [k.timeline('c1'), 'events'], [k.eventSeq(), 'events'], [k.recentEvents(), 'events'],
  ];
  for (const [key, tag] of table) t.equal(hashTag(key), tag, `${key} → {${tag}}`);
  t.equal(k.call('c1'), 'coachline:{calls}:call:c1', 'readable: prefix, tag, then the old name');
  t.equal(k.presence('sue'), 'coachline:{dir}:presence:sue');
  t.equal(k.timeline('c1'), 'coachline:{events}:timeline:c1');
  // Keys no script shares stay untagged: they spread over the cluster.
  for (const key of [k.rateLimit('auth:127.0.0.1'), k.registrations('ana'), k.eventTicket('ab')]) t.equal(hashTag(key), key, `${key}: no tag`);
  t.equal(hashTag('x:{}:y'), 'x:{}:y', 'an empty tag is no tag (the cluster rule)');
  t.equal(hashTag('{a}{b}'), 'a', 'the first tag counts');
  // A prefix with a tag of its own puts every key in that one slot: still one slot per script.
  const one = new Keys('{coachline}:');
  t.same(new Set([one.call('c1'), one.user('u'), one.timeline('c1'), one.rateLimit('x')].map(hashTag)), new Set(['coachline']));
});

t.test('every script names the keys it touches in KEYS', async (t) => {
  const dir = path.join(__dirname, '..', '..', 'src', 'store');
  let scripts = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const src = readFileSync(path.join(dir, file), 'utf8');
    for (const m of src.matchAll(/new Script\(\s*'([a-z_]+)',\s*`([^`]*)`/g)) {
      scripts += 1;
      const [, name, lua] = m;
      for (const call of lua!.matchAll(/redis\.call\('([A-Z]+)',\s*([^,)]+)/g)) {
        const [, cmd, first] = call;
        if (cmd === 'PUBLISH') continue; // a channel, not a key
        // KEYS[i], or a local bound to one (`for _, k in ipairs(KEYS)`, `hold(key)`): never a name put together from ARGV.
        t.ok(/^KEYS\[[^\]]+\]$/.test(first!.trim()) || /^[a-z_]+$/.test(first!.trim()), `${file} ${name}: ${cmd} ${first!.trim()}`);
      }
      t.notMatch(lua!, /ARGV\[\d+\]\s*\.\.\s*[a-z]/, `${file} ${name}: builds no key name from ARGV`);
    }
  }
  t.ok(scripts >= 15, `${scripts} scripts checked`);
});
