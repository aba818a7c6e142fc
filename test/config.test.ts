/** Settings from the environment: defaults, validation with the variable named, blanks. */
import t from 'tap';
import { ConfigError, loadConfig } from '../src/config';
import { DEFAULT_EMERGENCY_NUMBERS } from '../src/domain';

t.test('defaults', async (t) => {
  const c = loadConfig({});
  t.equal(c.http.port, 3000);
  t.same(c.emergencyNumbers, DEFAULT_EMERGENCY_NUMBERS);
  t.same(c.sip.trunkAcl, [], 'no trunk is trusted by default');
  t.equal(c.sip.trunkUri, undefined);
});

t.test('blank values mean the default, never "none" by accident', async (t) => {
  const c = loadConfig({ EMERGENCY_NUMBERS: '', HTTP_PORT: '  ', TRUNK_URI: ' ', DIRECTORY_FILE: '' });
  t.same(c.emergencyNumbers, DEFAULT_EMERGENCY_NUMBERS, 'an empty emergency list keeps the default');
  t.equal(c.http.port, 3000);
  t.equal(c.sip.trunkUri, undefined);
  t.equal(c.directoryFile, undefined);
  t.same(loadConfig({ EMERGENCY_NUMBERS: '112, 061 ' }).emergencyNumbers, ['112', '061'], 'a list is trimmed');
});

t.test('bad values stop the start with the variable named', async (t) => {
  const bad: [string, string][] = [
    ['HTTP_PORT', '70000'],
    ['HTTP_PORT', '3000abc'],
    ['HTTP_PORT', '1e3'],
    ['LOCK_TTL_SEC', '1'],
    ['TRUNK_URI', 'carrier.example:5060'],
    ['FALLBACK_URI', 'http://voicemail'],
    ['DIRECTORY_BOOTSTRAP', 'sometimes'],
    ['HTTP_HEADERS_TIMEOUT_SEC', '0'],
    ['HTTP_MAX_CONNECTIONS', '0'],
    ['HTTP_TRUST_PROXY', 'proxy.example'],
    ['HTTP_TRUST_PROXY', '10.0.0.0/33'],
    ['AUTH_FAILURE_LIMIT', '0'],
    ['SUPERVISION_START_LIMIT', 'many'],
  ];
  for (const [name, value] of bad) {
    t.throws(() => loadConfig({ [name]: value }), ConfigError, `${name}=${value}`);
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      t.match((e as Error).message, name, `the message names ${name}`);
    }
  }
  t.equal(loadConfig({ TRUNK_URI: 'sip:203.0.113.10:5060' }).sip.trunkUri, 'sip:203.0.113.10:5060');
  t.throws(() => loadConfig({ HTTP_HEADERS_TIMEOUT_SEC: '40', HTTP_REQUEST_TIMEOUT_SEC: '30' }), /HTTP_HEADERS_TIMEOUT_SEC/, 'headers within the request timeout');
  t.same(loadConfig({ HTTP_TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,::1' }).http.trustProxy, ['10.0.0.1', '192.168.0.0/16', '::1']);
});

t.test('HTTP limits and rate limits have bounded defaults', async (t) => {
  const c = loadConfig({});
  t.match(c.http, { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, idleTimeoutMs: 60_000, maxConnections: 2000, maxRequestsPerSocket: 1000, trustProxy: [], shutdownTimeoutMs: 15_000 });
  t.same(c.limits, {
    authFailures: 20,
    authFailureWindowMs: 60_000,
    supervisionStarts: 20,
    supervisionStartWindowMs: 60_000,
    sipAuthUserFailures: 10,
    sipAuthSourceFailures: 30,
    sipAuthFailureWindowMs: 300_000,
  });
  // The SIP window is what bounds a real phone's lock-out: it cannot be set to hours.
  t.throws(() => loadConfig({ SIP_AUTH_FAILURE_WINDOW_SEC: '3601' }), /SIP_AUTH_FAILURE_WINDOW_SEC/);
  t.throws(() => loadConfig({ SIP_AUTH_USER_FAILURE_LIMIT: '0' }), /SIP_AUTH_USER_FAILURE_LIMIT/);
});

t.test('admission control: every limit off by default, each validated', async (t) => {
  t.same(loadConfig({}).admission, { maxCalls: 0, maxMediaSessions: 0, minIdleCpuPct: 0, maxEventLoopDelayMs: 0, retryAfterSec: 2, staleMediaMs: 3000 });
  t.match(loadConfig({ ADMISSION_MAX_CALLS: '120', ADMISSION_MIN_IDLE_CPU: '15', ADMISSION_RETRY_AFTER_SEC: '5' }).admission, { maxCalls: 120, minIdleCpuPct: 15, retryAfterSec: 5 });
  for (const [name, value] of [
    ['ADMISSION_MAX_CALLS', '-1'],
    ['ADMISSION_MAX_MEDIA_SESSIONS', 'lots'],
    ['ADMISSION_MIN_IDLE_CPU', '100'],
    ['ADMISSION_MAX_EVENT_LOOP_DELAY_MS', '60001'],
    ['ADMISSION_RETRY_AFTER_SEC', '0'],
  ] as const) {
    t.throws(() => loadConfig({ [name]: value }), new RegExp(name), `${name}=${value}`);
  }
});

t.test('Redis shapes: one server, Sentinel, Cluster (issue 13 item 5)', async (t) => {
  const one = loadConfig({}).redis;
  t.same([one.sentinels, one.clusterNodes, one.sentinelName, one.sentinelPassword], [[], [], 'mymaster', undefined], 'one server by default');
  const sentinel = loadConfig({ REDIS_SENTINELS: '10.0.0.1:26379, 10.0.0.2 ,[fd00::3]:26380', REDIS_SENTINEL_NAME: 'cc', REDIS_SENTINEL_PASSWORD: 's3cret' }).redis;
  t.same(sentinel.sentinels, [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26379 }, { host: 'fd00::3', port: 26380 }], 'the port defaults to 26379; IPv6 in brackets');
  t.equal(sentinel.sentinelName, 'cc');
  t.equal(sentinel.sentinelPassword, 's3cret');
  t.same(loadConfig({ REDIS_CLUSTER_NODES: 'r1:7000,r2' }).redis.clusterNodes, [{ host: 'r1', port: 7000 }, { host: 'r2', port: 6379 }], 'the port defaults to 6379');
  for (const [name, value] of [
    ['REDIS_SENTINELS', 'host:0'],
    ['REDIS_SENTINELS', 'host:70000'],
    ['REDIS_CLUSTER_NODES', 'a:b:c'],
    ['REDIS_CLUSTER_NODES', 'fd00::1:7000'],
  ] as const) {
    t.throws(() => loadConfig({ [name]: value }), new RegExp(name), `${name}=${value}`);
  }
  t.throws(() => loadConfig({ REDIS_SENTINELS: 'a:26379', REDIS_CLUSTER_NODES: 'b:7000' }), { code: 'invalid_config', message: /set one of them/ }, 'both at once is a mistake');
});
