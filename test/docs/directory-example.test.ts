/**
 * docker/directory.example.yaml is what the compose stack starts with: it must load
 * with the app's own loader (parse, validate, import into Redis) and hold what the
 * README promises — a trunk-facing number, two agents, a desk-phone supervisor, a
 * remote supervisor with the voicemail guard, an admin — with every secret an
 * obvious placeholder.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { DirectoryService, bootstrapDirectory, parseDirectoryFile } from '../../src/app';
import { createStore } from '../../src/store';
import { testConfig } from '../helpers/config';
import { startRedis } from '../helpers/redis';

const file = join(resolve(__dirname, '..', '..'), 'docker', 'directory.example.yaml');
const text = readFileSync(file, 'utf8');

t.test('the sample parses and validates', async (t) => {
  const dir = parseDirectoryFile(text, file);
  const users = dir.users ?? [];
  const numbers = dir.numbers ?? [];
  const byId = new Map(users.map((u) => [u.id, u]));

  t.ok(numbers.length >= 1, 'has a trunk-facing number');
  t.equal(users.filter((u) => u.role === 'agent').length, 2, 'two agents');
  t.ok(users.some((u) => u.role === 'admin'), 'an admin');
  const desk = users.find((u) => u.role === 'supervisor' && u.device?.kind === 'sip_uri');
  t.match(desk?.device, { kind: 'sip_uri', dialect: 'yealink' }, 'a supervisor with a Yealink desk phone');
  const remote = users.find((u) => u.role === 'supervisor' && u.device?.kind === 'remote_number');
  t.match(remote?.device, { kind: 'remote_number', voicemailGuard: true }, 'a remote supervisor with the voicemail guard');
  for (const n of numbers) {
    for (const id of n.distribution) t.ok(byId.has(id), `${n.e164}: ${id} is a user in the file`);
  }
  t.ok(
    numbers.some((n) => desk && remote && n.distribution.includes(desk.id) && n.distribution.includes(remote.id)),
    'both supervisors may supervise the main number',
  );
});

t.test('every secret in the sample is a marked placeholder', async (t) => {
  const dir = parseDirectoryFile(text, file);
  for (const u of dir.users ?? []) {
    for (const token of u.tokens ?? []) t.match(token, /^CHANGE-ME-/, `${u.id}: token is a placeholder`);
    if (u.sip && 'password' in u.sip) t.match(u.sip.password, /^CHANGE-ME-/, `${u.id}: SIP password is a placeholder`);
  }
});

t.test('the sample imports into Redis with the app loader', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const redis = server.client();
  const config = { ...testConfig(), directoryFile: file };
  const store = createStore(redis, config);
  const directory = new DirectoryService({ store, config });
  const logger = pino({ level: 'silent' });

  const result = await bootstrapDirectory({ store, directory, config, logger });
  t.same(result, { imported: true, users: 5, numbers: 2 });

  const carla = await directory.authenticate('CHANGE-ME-sup-carla-token');
  t.match(carla, { id: 'sup-carla', role: 'supervisor', device: { kind: 'sip_uri', dialect: 'yealink' } }, 'a token authenticates as its user');
  const diego = await store.directory.getUser('sup-diego');
  t.match(diego?.device, { kind: 'remote_number', number: '+34600000100', ringTimeoutSec: 30, voicemailGuard: true });
  const ana = await store.directory.userBySipUsername('ana');
  t.equal(ana?.id, 'agent-ana', 'the agent phone credential is indexed for the registrar');
  t.equal(ana?.sip?.realm, config.sip.domain, 'the HA1 realm is SIP_DOMAIN');
  t.notMatch(JSON.stringify(await store.directory.listUsers()), /CHANGE-ME/, 'no plaintext secret is stored');
  const sales = await store.directory.getNumber('+34910000001');
  t.match(sales, { e164: '+34910000001', emergency: false, supervisable: true });

  // A second start with the default if-empty mode validates the file but keeps Redis as is.
  t.match(await bootstrapDirectory({ store, directory, config, logger }), { imported: false });
});
