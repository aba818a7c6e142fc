import { EventEmitter } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Srf from 'drachtio-srf';
import pino, { type Logger } from 'pino';
import type { RedisClient } from '../../src/store';
import { ADMIT_ALL } from '../../src/app/admission';
import { DirectoryService, Metrics, bootstrapDirectory } from '../../src/app';
import type { CallMediaPort } from '../../src/app/ports';
import type { Config } from '../../src/config';
import { SipAuthThrottle, type SipAuthLimits } from '../../src/sip/auth-throttle';
import { SipApp } from '../../src/sip/sip-app';
import { createStore, type Store } from '../../src/store';

/**
 * Signaling doubles: the real SipApp (routes, registrar, ACLs, digest, throttle) on a
 * stand-in for drachtio-srf that only records the handlers SipApp registers, with
 * requests and responses shaped like drachtio-srf's. Redis and the store are real.
 */

/** Records `srf.invite(handler)`, `srf.register(handler)`, … whatever methods SipApp routes. */
export class FakeSrf {
  readonly handlers = new Map<string, (req: Srf.SrfRequest, res: Srf.SrfResponse) => void>();
  readonly proxy: Srf;
  /** The connection's events SipApp listens to (`connect`, `close`, `error`): a test emits them here. */
  readonly events = new EventEmitter();

  constructor() {
    this.proxy = new Proxy(
      {},
      {
        get: (_t, prop: string) => {
          if (prop === 'on' || prop === 'once' || prop === 'removeListener') {
            const events = this.events as unknown as Record<string, (event: string, cb: (...a: unknown[]) => void) => void>;
            return (event: string, cb: (...a: unknown[]) => void) => (events[prop]!.call(this.events, event, cb), this.proxy);
          }
          return (handler: (req: Srf.SrfRequest, res: Srf.SrfResponse) => void) => void this.handlers.set(prop, handler);
        },
      },
    ) as Srf;
  }
}

export interface RequestSpec {
  method: string;
  uri: string;
  source: string;
  headers: Record<string, string>;
  body?: string;
}

export class FakeRequest {
  readonly source_address: string;
  readonly source_port = 5060;
  readonly protocol = 'udp';
  readonly method: string;
  readonly uri: string;
  readonly body: string | undefined;
  private readonly headers: Map<string, string>;

  constructor(spec: RequestSpec) {
    this.method = spec.method;
    this.uri = spec.uri;
    this.source_address = spec.source;
    this.body = spec.body;
    this.headers = new Map(Object.entries(spec.headers).map(([k, v]) => [k.toLowerCase(), v]));
  }

  get(name: string): string | undefined {
    return this.headers.get(name.toLowerCase());
  }

  has(name: string): boolean {
    return this.headers.has(name.toLowerCase());
  }

  getParsedHeader(name: string): unknown {
    const v = this.get(name);
    if (v === undefined) return undefined;
    if (name.toLowerCase() === 'contact') return v.split(',').map((c) => ({ uri: /<([^>]+)>/.exec(c)?.[1] ?? c.trim() }));
    return v;
  }

  on(): this {
    return this;
  }
}

export class FakeResponse {
  status: number | undefined;
  reason: string | undefined;
  headers: Record<string, string> = {};
  finalResponseSent = false;
  private done!: () => void;
  readonly final = new Promise<void>((r) => (this.done = r));

  send(status: number, reason?: string | { headers?: Record<string, string> }, opts?: { headers?: Record<string, string> }): void {
    const o = typeof reason === 'object' ? reason : opts;
    this.status = status;
    this.reason = typeof reason === 'string' ? reason : undefined;
    this.headers = { ...(o?.headers ?? {}) };
    if (status >= 200) {
      this.finalResponseSent = true;
      this.done();
    }
  }

  header(name: string): string | undefined {
    const k = Object.keys(this.headers).find((h) => h.toLowerCase() === name.toLowerCase());
    return k === undefined ? undefined : this.headers[k];
  }
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** The Authorization a phone sends back for a 401's WWW-Authenticate (RFC 2617, qop=auth). */
export function answerChallenge(wwwAuthenticate: string, method: string, uri: string, username: string, password: string): string {
  const realm = /realm="([^"]*)"/.exec(wwwAuthenticate)![1]!;
  const nonce = /nonce="([^"]*)"/.exec(wwwAuthenticate)![1]!;
  const cnonce = randomBytes(4).toString('hex');
  const ha1 = md5(`${username}:${realm}:${password}`);
  const response = md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${md5(`${method}:${uri}`)}`);
  return `Digest username="${username}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${cnonce}"`;
}

/** A media port that records the legs asked for and provides none (the call then fails with 503). */
export class NoMedia {
  readonly legs: { callId: string; key: string }[] = [];
  readonly port: CallMediaPort = {
    createLeg: async (callId, key) => {
      this.legs.push({ callId, key });
      throw new Error('no media in this test');
    },
    endCall: async () => undefined,
    health: () => ({ ok: true, detail: 'test' }),
  };
}

export interface SipWorld {
  store: Store;
  srf: FakeSrf;
  app: SipApp;
  media: NoMedia;
  metrics: Metrics;
  /** Every JSON log line the SIP side wrote. */
  logs: Record<string, unknown>[];
  /** Delivers a request to the handler SipApp registered for its method; resolves on the final response. */
  send(spec: RequestSpec): Promise<FakeResponse>;
}

export const SIP_DOMAIN = '127.0.0.1';
/** The instance id the SIP world records its held dialogs under. */
export const SIP_WORLD_INSTANCE = 'sip-world';

/** Writes `yaml` as a directory file, imports it, and starts a SipApp on doubles of drachtio and FreeSWITCH. */
export async function sipWorld(
  redis: RedisClient,
  config: Config,
  opts: { directoryYaml: string; agentAcl?: string[]; trunkAcl?: string[]; limits?: SipAuthLimits },
): Promise<SipWorld> {
  const store = createStore(redis, config);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'coachline-sip-')), 'directory.yaml');
  writeFileSync(file, opts.directoryYaml);
  const silent = pino({ level: 'silent' });
  await bootstrapDirectory({ store, directory: new DirectoryService({ store, config }), config, logger: silent, file });
  const logs: Record<string, unknown>[] = [];
  const log: Logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const metrics = new Metrics({ defaultMetrics: false });
  const srf = new FakeSrf();
  const media = new NoMedia();
  const limits = opts.limits ?? { userFailures: 1_000_000, sourceFailures: 1_000_000, windowMs: 60_000 };
  const app = new SipApp({
    srf: srf.proxy,
    drachtio: { host: '127.0.0.1', port: 9022, secret: 'x' },
    settings: {
      domain: SIP_DOMAIN,
      trunkUri: 'sip:127.0.0.2:5060',
      fallbackUri: undefined,
      agentRingTimeoutSec: 20,
      registerMaxExpiresSec: 3600,
      emergencyNumbers: ['112'],
      confirmTimeoutSec: 10,
      confirmPrompt: 'silence_stream://1',
    },
    trunkAcl: opts.trunkAcl ?? [],
    agentAcl: opts.agentAcl ?? [],
    authThrottle: new SipAuthThrottle(store.rateLimits, metrics, limits),
    admission: ADMIT_ALL,
    media: media.port,
    directory: store.sipDirectory,
    registrations: store.registrations,
    heldDialogs: {
      announce: (server) => store.instances.announceDrachtio(SIP_WORLD_INSTANCE, server),
      hold: (id) => store.instances.holdDialog(SIP_WORLD_INSTANCE, id),
      release: (ids) => store.instances.releaseDialogs(SIP_WORLD_INSTANCE, ids),
      heldBy: (other) => store.instances.heldDialogs(other),
    },
    observer: { callChanged: async () => undefined },
    log,
  });
  return {
    store,
    srf,
    app,
    media,
    metrics,
    logs,
    async send(spec) {
      const handler = srf.handlers.get(spec.method.toLowerCase());
      if (!handler) throw new Error(`SipApp routes no ${spec.method}`);
      const req = new FakeRequest(spec);
      const res = new FakeResponse();
      handler(req as unknown as Srf.SrfRequest, res as unknown as Srf.SrfResponse);
      await res.final;
      return res;
    },
  };
}

let seq = 0;

/** A REGISTER for `user`'s own address of record, as a phone at `source` sends it. */
export function register(user: string, source: string, authorization?: string): RequestSpec {
  seq += 1;
  return {
    method: 'REGISTER',
    uri: `sip:${SIP_DOMAIN}`,
    source,
    headers: {
      From: `<sip:${user}@${SIP_DOMAIN}>;tag=r${seq}`,
      To: `<sip:${user}@${SIP_DOMAIN}>`,
      'Call-ID': `reg-${seq}@${source}`,
      CSeq: `${seq} REGISTER`,
      Via: `SIP/2.0/UDP ${source}:5060;branch=z9hG4bK-r${seq}`,
      'Max-Forwards': '70',
      Contact: `<sip:${user}@${source}:5060>;expires=300`,
      Expires: '300',
      ...(authorization ? { Authorization: authorization } : {}),
    },
  };
}

const OFFER = ['v=0', 'o=- 1 1 IN IP4 192.0.2.10', 's=-', 'c=IN IP4 192.0.2.10', 't=0 0', 'm=audio 4000 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', ''].join('\r\n');

/** An INVITE from an agent's phone at `source` (From user `user`) to an external number. */
export function agentInvite(user: string, source: string, number = '+34600000001', authorization?: string): RequestSpec {
  seq += 1;
  return {
    method: 'INVITE',
    uri: `sip:${number}@${SIP_DOMAIN}`,
    source,
    headers: {
      From: `<sip:${user}@${source}>;tag=i${seq}`,
      To: `<sip:${number}@${SIP_DOMAIN}>`,
      'Call-ID': `inv-${seq}@${source}`,
      CSeq: '1 INVITE',
      Via: `SIP/2.0/UDP ${source}:5060;branch=z9hG4bK-i${seq}`,
      'Max-Forwards': '70',
      Contact: `<sip:${user}@${source}:5060>`,
      'Content-Type': 'application/sdp',
      ...(authorization ? { Authorization: authorization } : {}),
    },
    body: OFFER,
  };
}
