/**
 * Issue 15, defect 8: digest guessing against phones' SIP credentials. Failed
 * REGISTERs (and digest-challenged INVITEs) are throttled per SIP username and per
 * source address, across instances (Redis), with 503 + Retry-After for a bounded
 * window; the right password is not even checked meanwhile, so guessing stops. The
 * real phone's own address keeps working, and the window ends by itself. Each failure
 * is one JSON log line without secrets, and /metrics counts failures and refusals.
 */
import t from 'tap';
import { testConfig, sleep } from '../helpers/config';
import { startRedis } from '../helpers/redis';
import { SIP_DOMAIN, agentInvite, answerChallenge, register, sipWorld, type RequestSpec, type SipWorld } from '../helpers/sip-doubles';

const USER_LIMIT = 3;
const SOURCE_LIMIT = 5;
// Long enough that the assertions made inside one window never see it end, even on a busy machine.
const WINDOW_MS = 4000;

const DIRECTORY = `users:
  - { id: ana, name: Ana, role: agent, device: { kind: registered }, sip: { username: ana, password: "ana-right-password" } }
  - { id: bea, name: Bea, role: agent, device: { kind: registered }, sip: { username: bea, password: "bea-right-password" } }
  - { id: cai, name: Cai, role: agent, device: { kind: registered }, sip: { username: cai, password: "cai-right-password" } }
`;
const PASSWORDS: Record<string, string> = { ana: 'ana-right-password', bea: 'bea-right-password', cai: 'cai-right-password' };

/** A phone's full exchange: the request, its 401, and the request again with credentials for `password`. */
async function attempt(w: SipWorld, spec: RequestSpec, user: string, password: string): Promise<{ status: number | undefined; retryAfter: string | undefined }> {
  const first = await w.send(spec);
  if (first.status !== 401) return { status: first.status, retryAfter: first.header('Retry-After') };
  const auth = answerChallenge(first.header('WWW-Authenticate')!, spec.method, spec.uri, user, password);
  const again = await w.send({ ...spec, headers: { ...spec.headers, Authorization: auth, CSeq: `2 ${spec.method}` } });
  return { status: again.status, retryAfter: again.header('Retry-After') };
}

const registerAs = (w: SipWorld, user: string, source: string, password = PASSWORDS[user]!) => attempt(w, register(user, source), user, password);

async function metric(w: SipWorld, name: string, labels: string): Promise<number> {
  const text = await w.metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').pop()) : 0;
}

t.test('REGISTER guessing is throttled per username and per source, for a bounded window', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const redis = server.client();
  const config = testConfig();
  const limits = { userFailures: USER_LIMIT, sourceFailures: SOURCE_LIMIT, windowMs: WINDOW_MS };
  const w = await sipWorld(redis, config, { directoryYaml: DIRECTORY, limits });
  // A second instance on the same Redis: the counts are shared.
  const other = await sipWorld(redis, config, { directoryYaml: DIRECTORY, limits });

  // Ana's real phone registers from her desk before the attack.
  t.equal((await registerAs(w, 'ana', '203.0.113.5')).status, 200, 'the real phone registers');

  // Challenges are not failures: a phone's first REGISTER always gets 401.
  for (let i = 0; i < 10; i++) t.equal((await w.send(register('ana', '192.0.2.66'))).status, 401);

  // Someone guesses Ana's password, from two addresses and on both instances.
  for (let i = 0; i < USER_LIMIT; i++) {
    const via = i % 2 === 0 ? w : other;
    t.equal((await registerAs(via, 'ana', i === 0 ? '192.0.2.66' : '198.51.100.9', `guess-${i}`)).status, 403, `wrong password ${i + 1}: 403`);
  }
  const refused = await registerAs(w, 'ana', '192.0.2.66');
  t.equal(refused.status, 503, 'then even the right password gets 503: it is not checked');
  t.ok(Number(refused.retryAfter) >= 1 && Number(refused.retryAfter) <= WINDOW_MS / 1000, `with Retry-After ${refused.retryAfter}`);
  t.equal((await registerAs(other, 'ana', '192.0.2.77')).status, 503, 'from any new address, on every instance');
  t.equal((await registerAs(w, 'ana', '203.0.113.5')).status, 200, 'but the address Ana authenticated from before still registers');
  t.equal((await registerAs(w, 'bea', '192.0.2.77')).status, 200, 'and other users are not touched');

  // One line per failed attempt: who and from where, never the digest or a password.
  const failures = [...w.logs, ...other.logs].filter((l) => l.event === 'sip_auth_failed');
  t.equal(failures.length, USER_LIMIT, 'one log line per failure');
  t.match(failures[0], { level: 40, method: 'REGISTER', username: 'ana', source: '192.0.2.66', reason: 'wrong credentials' });
  t.equal(failures.filter((l) => l.throttled === 'username').length, 1, 'the failure that reached the limit says so');
  for (const l of failures) t.notMatch(JSON.stringify(l), /guess-|right-password|response=|nonce/, 'no secret in the line');
  t.equal((await metric(w, 'coachline_sip_auth_failures_total', 'method="REGISTER"')) + (await metric(other, 'coachline_sip_auth_failures_total', 'method="REGISTER"')), USER_LIMIT, 'failures counted in /metrics');
  t.ok((await metric(w, 'coachline_sip_auth_throttled_total', 'by="username"')) >= 1, 'throttled requests counted in /metrics');

  // The window ends by itself: the phone is never locked out for good.
  await sleep(WINDOW_MS + 200);
  t.equal((await registerAs(w, 'ana', '192.0.2.77')).status, 200, 'after the window the right password works from anywhere');

  // One source guessing many usernames (known or not) is throttled as a source.
  const scanner = '192.0.2.200';
  for (const [i, user] of ['bea', 'cai', 'nobody', 'root', 'bea'].entries()) {
    t.equal((await registerAs(w, user, scanner, `guess-${i}`)).status, 403, `scan ${i + 1} (${user}): 403`);
  }
  const blocked = await registerAs(w, 'cai', scanner);
  t.equal(blocked.status, 503, 'the source is throttled, even for a right password');
  t.ok(Number(blocked.retryAfter) >= 1, 'with Retry-After');
  t.equal((await registerAs(w, 'cai', '192.0.2.201')).status, 200, 'cai from elsewhere is fine (no per-user limit reached)');
  t.equal((await registerAs(w, 'bea', '2001:db8:1:2::1', 'x')).status, 403);
  t.equal((await w.send(register('bea', scanner))).status, 401, 'a request without credentials still gets its challenge: nothing to guess');
  t.ok((await metric(w, 'coachline_sip_auth_throttled_total', 'by="source"')) >= 1);
});

t.test('digest-challenged INVITEs from phones share the throttle', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const redis = server.client();
  const w = await sipWorld(redis, testConfig(), { directoryYaml: DIRECTORY, limits: { userFailures: USER_LIMIT, sourceFailures: 100, windowMs: WINDOW_MS } });
  const invite = (user: string, source: string, password: string) => attempt(w, agentInvite(user, source), user, password);

  for (let i = 0; i < USER_LIMIT - 1; i++) t.equal((await invite('bea', '192.0.2.30', `guess-${i}`)).status, 403, `INVITE with a wrong password ${i + 1}: 403`);
  t.equal((await registerAs(w, 'bea', '192.0.2.31', 'guess-r')).status, 403, 'a wrong REGISTER counts towards the same limit');
  const refused = await invite('bea', '192.0.2.32', PASSWORDS.bea!);
  t.equal(refused.status, 503, 'then the INVITE is refused unchecked');
  t.ok(Number(refused.retryAfter) >= 1);
  t.equal(w.media.legs.length, 0, 'and nothing was set up for it');
  const line = w.logs.find((l) => l.event === 'sip_auth_failed' && l.method === 'INVITE');
  t.match(line, { username: 'bea', source: '192.0.2.30' }, 'INVITE failures are logged too');
  t.equal(await metric(w, 'coachline_sip_auth_failures_total', 'method="INVITE"'), USER_LIMIT - 1);
  t.equal(await metric(w, 'coachline_sip_auth_throttled_total', 'method="INVITE"'), 1);

  await sleep(WINDOW_MS + 200);
  const ok = await invite('bea', '192.0.2.32', PASSWORDS.bea!);
  t.equal(w.media.legs.length, 1, `after the window the call goes ahead to its media set-up (then ${ok.status}: no media in this test)`);
});

t.test('SIP_DOMAIN is the realm the doubles use', async (t) => {
  t.equal(testConfig().sip.domain, SIP_DOMAIN, 'the directory passwords hash with this realm');
});
