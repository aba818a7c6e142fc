import t, { Test } from 'tap';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createStore } from '../../src/store';
import { DirectoryService, bootstrapDirectory, parseDirectoryFile, DirectoryFileError, sha256Hex } from '../../src/app';
import { startRedis, dumpRedis } from '../helpers/redis';
import { testConfig } from '../helpers/config';
import { FIXTURE, TOKENS } from '../helpers/world';

const fixtures = path.join(__dirname, '..', 'fixtures');
const silent = pino({ level: 'silent' });

/** The problems a file yields, as "path@line:message". */
function problems(t: Test, text: string, name = 'f.yaml', known?: Set<string>): string[] {
  try {
    parseDirectoryFile(text, name, known);
  } catch (err) {
    if (!(err instanceof DirectoryFileError)) throw err;
    t.equal(err.code, 'directory_file_invalid');
    t.match(err.message, name, 'the message names the file');
    return err.problems.map((p) => `${p.path}@${p.line ?? '-'}:${p.message}`);
  }
  return [];
}

t.test('schema errors name the field and its line (YAML)', async (t) => {
  t.same(problems(t, readFileSync(path.join(fixtures, 'directory-bad.yaml'), 'utf8')), [
    'users[0].role@4:must be one of: agent, supervisor, admin',
    'users[1].device@9:must have a known "kind"',
    'numbers[0].e164@11:must be a string (quote it: YAML read 34910000001 as a number)',
  ]);
});

t.test('schema errors name the field and its line (JSON)', async (t) => {
  t.same(problems(t, readFileSync(path.join(fixtures, 'directory-bad.json'), 'utf8'), 'd.json'), [
    'users[1].permissions[1]@5:must be one of: monitor, coach, barge, conference, takeover',
    'numbers[0].emergency@8:must be boolean',
  ]);
});

t.test('each kind of mistake', async (t) => {
  const cases: [string, string, string[]][] = [
    ['missing field', 'users:\n  - id: a\n    role: agent\n', ['users[0].name@2:is required']],
    ['unknown field (pointed at the key)', 'users:\n  - id: a\n    name: A\n    role: agent\n    colour: red\n', ['users[0].colour@5:is not a known field']],
    ['unknown top-level section', 'groups: []\n', ['groups@1:is not a known field']],
    ['bad id pattern', 'users:\n  - id: "a b"\n    name: A\n    role: agent\n', ['users[0].id@2:must match pattern "^[A-Za-z0-9][A-Za-z0-9._-]*$"']],
    ['short token', 'users:\n  - id: a\n    name: A\n    role: agent\n    tokens: ["short"]\n', ['users[0].tokens[0]@5:must NOT have fewer than 20 characters']],
    [
      'password and ha1 together',
      'users:\n  - id: a\n    name: A\n    role: agent\n    sip: { username: a, password: "12345678", ha1: "0123456789abcdef0123456789abcdef" }\n',
      ['users[0].sip@5:needs exactly one of: password, ha1'],
    ],
    ['remote device without number', 'users:\n  - id: a\n    name: A\n    role: supervisor\n    device:\n      kind: remote_number\n', ['users[0].device.number@6:is required']],
    ['duplicate user', 'users:\n  - { id: a, name: A, role: agent }\n  - { id: a, name: B, role: agent }\n', ['users[1].id@3:duplicate user id "a" (also users[0])']],
    [
      'token shared by two users',
      'users:\n  - { id: a, name: A, role: agent, tokens: ["same-token-0123456789"] }\n  - { id: b, name: B, role: agent, tokens: ["same-token-0123456789"] }\n',
      ['users[1].tokens[0]@3:token is also given to user "a"'],
    ],
    ['unknown user in a distribution', 'users:\n  - { id: a, name: A, role: agent }\nnumbers:\n  - e164: "+1234"\n    name: N\n    distribution: [a, ghost]\n', ['numbers[0].distribution[1]@6:unknown user "ghost"']],
    ['duplicate number', 'numbers:\n  - { e164: "+1234", name: N, distribution: [] }\n  - { e164: "+1234", name: M, distribution: [] }\n', ['numbers[1].e164@3:duplicate number "+1234" (also numbers[0])']],
    ['duplicate key', 'users: []\nusers: []\n', ['@2:Map keys must be unique']],
    ['YAML syntax', 'users:\n  - id: a\n   name: [unclosed\n', ['@3:Sequence item without - indicator']],
  ];
  for (const [name, text, want] of cases) {
    const got = problems(t, text);
    t.same(got.slice(0, want.length), want, name);
  }
  t.same(problems(t, 'numbers:\n  - { e164: "+1234", name: N, distribution: [old] }\n', 'f.yaml', new Set(['old'])), [], 'users already in Redis count in upsert mode');
});

t.test('bootstrap: hashes only, if-empty keeps API changes, upsert imports', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const redis = server.client();
  const config = testConfig();
  const store = createStore(redis, config);
  const directory = new DirectoryService({ store, config });

  const res = await bootstrapDirectory({ store, directory, config, logger: silent, file: FIXTURE });
  t.same(res, { imported: true, users: 5, numbers: 2 });
  const dump = JSON.stringify(await dumpRedis(redis, config.redis.keyPrefix));
  for (const tok of Object.values(TOKENS)) {
    t.notOk(dump.includes(tok), 'no plaintext token in Redis');
    t.ok(dump.includes(sha256Hex(tok)), 'its sha256 is');
  }
  t.notOk(dump.includes('ana-secret-pw'), 'no SIP password in Redis');
  const ana = await store.directory.getUser('ana');
  t.equal(ana?.sip?.realm, config.sip.domain);
  t.match(ana?.sip?.ha1, /^[0-9a-f]{32}$/);
  t.same((await store.directory.getUser('root'))?.sip, { username: 'root-phone', realm: 'pbx.example', ha1: '0123456789abcdef0123456789abcdef' });
  t.same((await store.directory.getUser('rem'))?.device, { kind: 'remote_number', number: '+34600000100', ringTimeoutSec: 30, voicemailGuard: true });
  t.equal((await store.presence.get('rem')).status, 'unavailable', 'initial status from the file');
  t.equal((await directory.authenticate(TOKENS.sue))?.id, 'sue');
  t.equal((await directory.authenticate('123456'))?.id, 'bob', 'tokenSha256 entries authenticate by their plaintext');

  // An admin changes Sue through the API; a restart with the same file keeps that.
  await directory.replaceUser('sue', { name: 'Sue Renamed', role: 'supervisor', permissions: ['monitor'] });
  t.same(await bootstrapDirectory({ store, directory, config, logger: silent, file: FIXTURE }), { imported: false, users: 5, numbers: 2 });
  t.equal((await store.directory.getUser('sue'))?.name, 'Sue Renamed');
  t.equal((await directory.authenticate(TOKENS.sue))?.id, 'sue', 'tokens kept when a PUT omits them');

  const dir = mkdtempSync(path.join(tmpdir(), 'coachline-dir-'));
  const extra = path.join(dir, 'extra.yaml');
  writeFileSync(extra, 'users:\n  - { id: zed, name: Zed, role: agent }\nnumbers:\n  - { e164: "+34910000009", name: Z, distribution: [zed, sue] }\n');
  t.same(await bootstrapDirectory({ store, directory, config, logger: silent, file: extra, mode: 'upsert' }), { imported: true, users: 1, numbers: 1 });
  t.same((await store.directory.getNumber('+34910000009'))?.distribution, ['zed', 'sue']);
  t.equal((await store.directory.getUser('sue'))?.name, 'Sue Renamed', 'entries the file does not name are kept');

  // A bad file is refused before anything is written.
  const before = await dumpRedis(redis, config.redis.keyPrefix);
  await t.rejects(bootstrapDirectory({ store, directory, config, logger: silent, file: path.join(fixtures, 'directory-bad.yaml'), mode: 'upsert' }), DirectoryFileError);
  t.same(await dumpRedis(redis, config.redis.keyPrefix), before);
  t.same(await bootstrapDirectory({ store, directory, config: { ...config, directoryFile: undefined }, logger: silent }), { imported: false, users: 0, numbers: 0 }, 'no file, nothing to do');
});
