import { isIP } from 'node:net';
import { DEFAULT_EMERGENCY_NUMBERS, type AdmissionSettings } from './domain';

/**
 * Every setting coachline reads from the environment, in one place. Each entry names
 * its variable, default and meaning; `.env.example` documents the same list.
 */

export class ConfigError extends Error {
  readonly code = 'invalid_config';
  override readonly name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/** A value, trimmed; unset or blank means the default. */
function raw(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

function str(env: Env, name: string, def: string): string {
  return raw(env, name) ?? def;
}

function sipUri(env: Env, name: string): string | undefined {
  const v = raw(env, name);
  if (v !== undefined && !/^sips?:[^\s<>]+$/.test(v)) throw new ConfigError(`${name} must be a SIP URI (sip:host[:port]), got "${v}"`);
  return v;
}

function int(env: Env, name: string, def: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = raw(env, name);
  if (v === undefined) return def;
  const n = Number(v);
  if (!/^-?\d+$/.test(v) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${v}"`);
  }
  return n;
}

/** A comma-separated list; unset or blank means the default (an empty emergency list must be said on purpose, never by accident). */
function list(env: Env, name: string, def: readonly string[]): string[] {
  const v = raw(env, name);
  if (v === undefined) return [...def];
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export interface HostPort {
  host: string;
  port: number;
}

/** `host:port,host:port` (IPv6 as `[::1]:port`; the port may be left off); unset or blank: none. */
function hostPorts(env: Env, name: string, defaultPort: number): HostPort[] {
  return list(env, name, []).map((item) => {
    const m = /^(?:\[([^\]\s]+)\]|([^:\s\[\]]+))(?::(\d{1,5}))?$/.exec(item);
    const port = m?.[3] === undefined ? defaultPort : Number(m[3]);
    if (!m || port < 1 || port > 65535) throw new ConfigError(`${name} must list host:port entries separated by commas, got "${item}"`);
    return { host: (m[1] ?? m[2])!, port };
  });
}

export interface Config {
  logLevel: string;
  http: {
    host: string;
    port: number;
    bodyLimitBytes: number;
    /** Time a client has to send a request's headers, then the whole request (body included). */
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    /** How long an idle keep-alive connection is kept after a response. */
    keepAliveTimeoutMs: number;
    /** A socket with no traffic either way for this long is closed (event streams excepted: they send keep-alives). */
    idleTimeoutMs: number;
    maxConnections: number;
    maxRequestsPerSocket: number;
    /** Proxies whose X-Forwarded-For is believed (addresses or CIDRs); empty: the peer address is the client. */
    trustProxy: string[];
    shutdownTimeoutMs: number;
  };
  limits: {
    /** Failed authentications per source address (IPv4 address, IPv6 /64) in a window, before 429. */
    authFailures: number;
    authFailureWindowMs: number;
    /** Supervision sessions a supervisor may start in a window, before 429. */
    supervisionStarts: number;
    supervisionStartWindowMs: number;
    /** Failed SIP digest authentications per SIP username, and per source address, in a window, before 503. */
    sipAuthUserFailures: number;
    sipAuthSourceFailures: number;
    sipAuthFailureWindowMs: number;
  };
  redis: {
    url: string;
    keyPrefix: string;
    timelineTtlSec: number;
    lockTtlSec: number;
    /** Sentinels to ask for the master (REDIS_SENTINELS); empty: not through Sentinel. */
    sentinels: HostPort[];
    /** The master's name the sentinels know (REDIS_SENTINEL_NAME). */
    sentinelName: string;
    /** Password of the sentinels themselves, when they require one (REDIS_SENTINEL_PASSWORD). */
    sentinelPassword: string | undefined;
    /** Seed nodes of a Redis Cluster (REDIS_CLUSTER_NODES); empty: not a cluster. */
    clusterNodes: HostPort[];
  };
  directoryFile: string | undefined;
  drachtio: { host: string; port: number; secret: string };
  freeswitch: { hosts: string[]; port: number; password: string; listenAddress: string; listenPort: number; heartbeatTimeoutMs: number };
  sip: {
    /** Host put in auto-answer headers and used as the app's SIP domain. */
    domain: string;
    /** Source addresses (IP or CIDR) of the carrier trunks. */
    trunkAcl: string[];
    /** Where outbound calls and remote supervisor numbers are sent (sip:host:port). */
    trunkUri: string | undefined;
    /** Source addresses allowed to place agent calls without registering. */
    agentAcl: string[];
    /** URI inbound calls go to when no agent is available or answers (else 480). */
    fallbackUri: string | undefined;
    agentRingTimeoutSec: number;
    registerMaxExpiresSec: number;
  };
  media: { holdMusic: string; ringback: string; notifyTone: string; refusedTone: string; confirmPrompt: string; conferenceProfile: string };
  emergencyNumbers: string[];
  supervision: { confirmTimeoutSec: number; defaultRingTimeoutSec: number };
  /** Admission control (src/domain/admission.ts): each limit is off at 0. */
  admission: AdmissionSettings;
  /** How long a command waits for the instance that owns its call or session (FORWARD_TIMEOUT_MS). */
  forwardTimeoutMs: number;
  /** How DIRECTORY_FILE is imported at start: `if-empty` (only into an empty directory) or `upsert`. */
  directoryBootstrap: 'if-empty' | 'upsert';
}

export function loadConfig(env: Env = process.env): Config {
  const config: Config = {
    logLevel: str(env, 'LOG_LEVEL', 'info'),
    http: {
      host: str(env, 'HTTP_HOST', '0.0.0.0'),
      port: int(env, 'HTTP_PORT', 3000, 0, 65535),
      bodyLimitBytes: int(env, 'HTTP_BODY_LIMIT_BYTES', 65536, 1024),
      headersTimeoutMs: int(env, 'HTTP_HEADERS_TIMEOUT_SEC', 10, 1, 300) * 1000,
      requestTimeoutMs: int(env, 'HTTP_REQUEST_TIMEOUT_SEC', 30, 1, 600) * 1000,
      keepAliveTimeoutMs: int(env, 'HTTP_KEEP_ALIVE_TIMEOUT_SEC', 5, 1, 600) * 1000,
      idleTimeoutMs: int(env, 'HTTP_IDLE_TIMEOUT_SEC', 60, 1, 3600) * 1000,
      maxConnections: int(env, 'HTTP_MAX_CONNECTIONS', 2000, 1, 1_000_000),
      maxRequestsPerSocket: int(env, 'HTTP_MAX_REQUESTS_PER_SOCKET', 1000, 0, 1_000_000),
      trustProxy: list(env, 'HTTP_TRUST_PROXY', []),
      shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_SEC', 15, 1, 600) * 1000,
    },
    limits: {
      authFailures: int(env, 'AUTH_FAILURE_LIMIT', 20, 1, 1_000_000),
      authFailureWindowMs: int(env, 'AUTH_FAILURE_WINDOW_SEC', 60, 1, 86400) * 1000,
      supervisionStarts: int(env, 'SUPERVISION_START_LIMIT', 20, 1, 1_000_000),
      supervisionStartWindowMs: int(env, 'SUPERVISION_START_WINDOW_SEC', 60, 1, 86400) * 1000,
      sipAuthUserFailures: int(env, 'SIP_AUTH_USER_FAILURE_LIMIT', 10, 1, 1_000_000),
      sipAuthSourceFailures: int(env, 'SIP_AUTH_SOURCE_FAILURE_LIMIT', 30, 1, 1_000_000),
      // Bounded on purpose: the window is the longest a real phone can be kept out.
      sipAuthFailureWindowMs: int(env, 'SIP_AUTH_FAILURE_WINDOW_SEC', 300, 1, 3600) * 1000,
    },
    redis: {
      url: str(env, 'REDIS_URL', 'redis://127.0.0.1:6379'),
      keyPrefix: str(env, 'REDIS_KEY_PREFIX', 'coachline:'),
      timelineTtlSec: int(env, 'TIMELINE_TTL_SEC', 86400, 60),
      lockTtlSec: int(env, 'LOCK_TTL_SEC', 30, 5),
      sentinels: hostPorts(env, 'REDIS_SENTINELS', 26379),
      sentinelName: str(env, 'REDIS_SENTINEL_NAME', 'mymaster'),
      sentinelPassword: raw(env, 'REDIS_SENTINEL_PASSWORD'),
      clusterNodes: hostPorts(env, 'REDIS_CLUSTER_NODES', 6379),
    },
    directoryFile: raw(env, 'DIRECTORY_FILE'),
    drachtio: {
      host: str(env, 'DRACHTIO_HOST', '127.0.0.1'),
      port: int(env, 'DRACHTIO_PORT', 9022, 1, 65535),
      secret: str(env, 'DRACHTIO_SECRET', 'cymru'),
    },
    freeswitch: {
      hosts: list(env, 'FREESWITCH_HOSTS', ['127.0.0.1']),
      port: int(env, 'FREESWITCH_PORT', 8021, 1, 65535),
      password: str(env, 'FREESWITCH_PASSWORD', 'ClueCon'),
      listenAddress: str(env, 'FSMRF_LISTEN_ADDRESS', '127.0.0.1'),
      listenPort: int(env, 'FSMRF_LISTEN_PORT', 8085, 1, 65535),
      // Status is polled once a second: the floor leaves one missed answer of slack.
      heartbeatTimeoutMs: int(env, 'FREESWITCH_HEARTBEAT_TIMEOUT_MS', 3000, 1500, 600_000),
    },
    sip: {
      domain: str(env, 'SIP_DOMAIN', '127.0.0.1'),
      trunkAcl: list(env, 'TRUNK_ACL', []),
      trunkUri: sipUri(env, 'TRUNK_URI'),
      agentAcl: list(env, 'AGENT_ACL', []),
      fallbackUri: sipUri(env, 'FALLBACK_URI'),
      agentRingTimeoutSec: int(env, 'AGENT_RING_TIMEOUT_SEC', 20, 1, 600),
      registerMaxExpiresSec: int(env, 'REGISTER_MAX_EXPIRES_SEC', 3600, 60, 86400),
    },
    media: {
      // A tone jingle needs no sound files; set local_stream://moh with music mounted.
      holdMusic: str(env, 'HOLD_MUSIC', 'tone_stream://%(300,100,523);%(300,100,659);%(300,100,784);%(600,400,659);loops=-1'),
      ringback: str(env, 'RINGBACK', 'tone_stream://%(2000,4000,440,480);loops=-1'),
      notifyTone: str(env, 'NOTIFY_TONE', 'tone_stream://%(120,60,1400);%(120,0,1400)'),
      // A fast-busy (reorder) burst: the familiar "not allowed" of telephony.
      refusedTone: str(env, 'REFUSED_TONE', 'tone_stream://%(250,250,480,620);%(250,0,480,620)'),
      confirmPrompt: str(env, 'CONFIRM_PROMPT', 'tone_stream://%(300,200,660,880);loops=3'),
      conferenceProfile: str(env, 'CONFERENCE_PROFILE', 'coachline'),
    },
    emergencyNumbers: list(env, 'EMERGENCY_NUMBERS', DEFAULT_EMERGENCY_NUMBERS),
    supervision: {
      confirmTimeoutSec: int(env, 'CONFIRM_TIMEOUT_SEC', 10, 1, 120),
      defaultRingTimeoutSec: int(env, 'SUPERVISOR_RING_TIMEOUT_SEC', 30, 5, 300),
    },
    directoryBootstrap: oneOf(env, 'DIRECTORY_BOOTSTRAP', ['if-empty', 'upsert'] as const, 'if-empty'),
    forwardTimeoutMs: int(env, 'FORWARD_TIMEOUT_MS', 2000, 100, 60_000),
    admission: {
      maxCalls: int(env, 'ADMISSION_MAX_CALLS', 0, 0, 1_000_000),
      maxMediaSessions: int(env, 'ADMISSION_MAX_MEDIA_SESSIONS', 0, 0, 1_000_000),
      minIdleCpuPct: int(env, 'ADMISSION_MIN_IDLE_CPU', 0, 0, 99),
      maxEventLoopDelayMs: int(env, 'ADMISSION_MAX_EVENT_LOOP_DELAY_MS', 0, 0, 60_000),
      retryAfterSec: int(env, 'ADMISSION_RETRY_AFTER_SEC', 2, 1, 3600),
      // Three missed polls of FreeSWITCH's status (one a second): its figures are stale.
      staleMediaMs: 3000,
    },
  };
  if (config.redis.sentinels.length > 0 && config.redis.clusterNodes.length > 0) {
    throw new ConfigError('REDIS_SENTINELS and REDIS_CLUSTER_NODES are two different deployments: set one of them');
  }
  // Node refuses a headers timeout longer than the whole request's.
  if (config.http.headersTimeoutMs > config.http.requestTimeoutMs) {
    throw new ConfigError('HTTP_HEADERS_TIMEOUT_SEC must not be longer than HTTP_REQUEST_TIMEOUT_SEC');
  }
  for (const p of config.http.trustProxy) {
    const [addr, bits, extra] = p.split('/');
    const family = isIP(addr ?? '');
    const max = family === 6 ? 128 : 32;
    if (family === 0 || extra !== undefined || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= max))) {
      throw new ConfigError(`HTTP_TRUST_PROXY must list IP addresses or CIDR blocks, got "${p}"`);
    }
  }
  return config;
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], def: T): T {
  const v = raw(env, name);
  if (v === undefined) return def;
  if (!(values as readonly string[]).includes(v)) throw new ConfigError(`${name} must be one of ${values.join(', ')}, got "${v}"`);
  return v as T;
}
