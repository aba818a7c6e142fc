import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../../src/config';
import { startCoachline, type Coachline } from '../../../src/index';
import type { WebAssets } from '../../../src/api/web-assets';
import { RedisServer, startRedis } from '../../helpers/redis';
import { ManagedServer } from './servers';
import { PhoneBook } from './sip-phones';

/**
 * The real stack for e2e: FreeSWITCH with the repo's freeswitch/ config, three
 * drachtio-servers (coachline's; the carrier's, where customers and remote phones
 * live; the desk phones'), a private Redis, and coachline itself in this process.
 * Optionally a second FreeSWITCH (on 127.0.0.4). Fault cases reach the processes
 * through `servers` (servers.ts) to kill, hang or restart one on its address.
 * The servers are found through environment variables; without them every case is
 * skipped with the reason (never reported as passed).
 */
export const ENV_HELP = 'point E2E_DRACHTIO_BIN and E2E_FREESWITCH_BIN at the drachtio and freeswitch binaries';

export function missingServers(): string | undefined {
  const missing = ['E2E_DRACHTIO_BIN', 'E2E_FREESWITCH_BIN'].filter((v) => !process.env[v]);
  return missing.length ? `${missing.join(' and ')} not set: no drachtio-server/FreeSWITCH to test against (${ENV_HELP})` : undefined;
}

export const ADDR = {
  app: '127.0.0.1',
  carrier: '127.0.0.2',
  desk: '127.0.0.3',
} as const;

/** Where each FreeSWITCH binds SIP, RTP and its event socket (8021): a second one on its own loopback address. */
export const FREESWITCH_ADDRS = ['127.0.0.1', '127.0.0.4'] as const;

export const NUMBERS = { sales: '+34910000001', support: '+34910000002', emergency: '112' };

export interface Stack {
  app: Coachline;
  /** Every coachline instance (`apps` of them; the first is `app`). */
  apps: Coachline[];
  /** `api` through instance `i`. */
  apiAt(i: number, method: string, url: string, token: string, body?: unknown): Promise<{ status: number; body: any }>;
  carrier: PhoneBook;
  desk: PhoneBook;
  api(method: string, url: string, token: string, body?: unknown): Promise<{ status: number; body: any }>;
  freeswitch(cmd: string): Promise<string>;
  /** An API command on FreeSWITCH `i` itself, through its own fs_cli (not the app's connection). */
  freeswitchAt(i: number, cmd: string): Promise<string>;
  /**
   * The settings every coachline instance of this stack runs with (as environment
   * variables): another one can run as its own process (`npm start`), say to be killed.
   */
  appEnv: Record<string, string>;
  /** The server processes, for fault cases: killed, hung, restarted on the same address. */
  servers: { freeswitch: ManagedServer[]; drachtio: ManagedServer; redis: RedisServer };
  stop(): Promise<void>;
}

/** A drachtio-server's configuration: SIP on `address`:5060, its admin port for apps (secret `cymru`). */
export function drachtioConfig(address: string, adminPort: number): string {
  return `<drachtio>
  <admin port="${adminPort}" secret="cymru">${address}</admin>
  <sip><contacts><contact>sip:${address}:5060;transport=udp,tcp</contact></contacts></sip>
  <logging><loglevel>info</loglevel><sofia-loglevel>1</sofia-loglevel></logging>
</drachtio>
`;
}

function directoryYaml(): string {
  return `users:
  - { id: ana, name: Ana Agent, role: agent, device: { kind: sip_uri, uri: "sip:ana@${ADDR.desk}" }, tokens: ["e2e-ana-token-000000000"], sip: { username: ana, password: "ana-password" } }
  - { id: bruno, name: Bruno Agent, role: agent, device: { kind: sip_uri, uri: "sip:bruno@${ADDR.desk}" }, tokens: ["e2e-bruno-token-0000000"], sip: { username: bruno, password: "bruno-password" }, status: unavailable }
  - { id: sofia, name: Sofia Supervisor, role: supervisor, permissions: [monitor, coach, barge, conference, takeover], device: { kind: sip_uri, uri: "sip:sofia@${ADDR.desk}", dialect: yealink }, tokens: ["e2e-sofia-token-0000000"] }
  - { id: rita, name: Rita Remote, role: supervisor, permissions: [monitor, coach, barge], device: { kind: remote_number, number: "+34600000099", ringTimeoutSec: 5 }, tokens: ["e2e-rita-token-00000000"] }
  - { id: vera, name: Vera Guarded, role: supervisor, permissions: [monitor, coach], device: { kind: remote_number, number: "+34600000098", voicemailGuard: true }, tokens: ["e2e-vera-token-00000000"] }
  - { id: rosa, name: Rosa Registered, role: agent, device: { kind: registered }, tokens: ["e2e-rosa-token-00000000"], sip: { username: rosa, password: "rosa-password" } }
numbers:
  - { e164: "${NUMBERS.sales}", name: Sales, distribution: [ana, bruno, sofia, rita, vera] }
  - { e164: "${NUMBERS.support}", name: Support, distribution: [rosa, sofia] }
`;
}

export interface StackOptions {
  /** Start the carrier and desk drachtio-servers with their test phones (default true); off, SIPp takes those addresses. */
  phones?: boolean;
  /** Directory file to load instead of the e2e one. */
  directoryFile?: string;
  httpPort?: number;
  /** The web page to serve (bundled in-process by the browser case). */
  web?: WebAssets;
  /** More coachline settings, over the suite's (admission control, say). */
  env?: Record<string, string>;
  /** How many coachline instances share the stack's drachtio-server, FreeSWITCH and Redis (default 1). */
  apps?: number;
  /** How many FreeSWITCH servers coachline is given (FREESWITCH_HOSTS; default 1, at most 2). */
  freeswitches?: number;
}

/** fs_cli next to the FreeSWITCH binary, against one server's event socket; rejects after 5 s (a hung server). */
function fsCli(host: string, cmd: string): Promise<string> {
  const bin = path.join(path.dirname(process.env.E2E_FREESWITCH_BIN!), 'fs_cli');
  return new Promise((resolve, reject) => {
    execFile(bin, ['-H', host, '-P', '8021', '-p', 'ClueCon', '-T', '5000', '-t', '5000', '-x', cmd], { timeout: 6000 }, (err, stdout) =>
      err ? reject(new Error(`fs_cli ${host} ${cmd}: ${err.message}`)) : resolve(stdout),
    );
  });
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const withPhones = opts.phones ?? true;
  const dir = mkdtempSync(path.join(tmpdir(), 'coachline-e2e-'));
  const children: ManagedServer[] = [];
  let redis: RedisServer | undefined;
  let app: Coachline | undefined;
  const apps: Coachline[] = [];
  const books: PhoneBook[] = [];
  const stop = async (): Promise<void> => {
    books.forEach((b) => b.close());
    for (const a of apps.reverse()) await a.stop().catch(() => undefined);
    await Promise.all(children.map((c) => c.stop()));
    await redis?.stop();
    if (!process.env.E2E_KEEP_LOGS) rmSync(dir, { recursive: true, force: true });
  };
  try {
    redis = await startRedis();

    // FreeSWITCH with the repo's configuration (copied: FreeSWITCH writes next to it);
    // a second one binds SIP, RTP and its event socket on its own loopback address.
    // Instance i listens for host h's event sockets on FSMRF_LISTEN_PORT + h, and instance
    // i + 1 is given that port + 1: several of both would collide.
    if ((opts.freeswitches ?? 1) > 1 && (opts.apps ?? 1) > 1) throw new Error('startStack: several FreeSWITCH servers with several apps is not supported');
    if ((opts.freeswitches ?? 1) > FREESWITCH_ADDRS.length) throw new Error(`startStack: at most ${FREESWITCH_ADDRS.length} FreeSWITCH servers`);
    const freeswitches: ManagedServer[] = [];
    for (let i = 0; i < (opts.freeswitches ?? 1); i++) {
      const tag = i === 0 ? 'fs' : `fs${i + 1}`;
      const fsConf = path.join(dir, `${tag}-conf`);
      cpSync(path.join(__dirname, '..', '..', '..', 'freeswitch'), fsConf, { recursive: true });
      for (const d of ['log', 'db', 'run', 'sounds']) mkdirSync(path.join(dir, `${tag}-${d}`));
      const ip = FREESWITCH_ADDRS[i]!;
      freeswitches.push(
        new ManagedServer({
          name: `FreeSWITCH ${i} event socket`,
          bin: process.env.E2E_FREESWITCH_BIN!,
          args: ['-nonat', '-nc', '-nf', '-conf', fsConf, '-log', path.join(dir, `${tag}-log`), '-db', path.join(dir, `${tag}-db`), '-run', path.join(dir, `${tag}-run`), '-sounds', path.join(dir, `${tag}-sounds`)],
          env: { FREESWITCH_SIP_IP: ip, FREESWITCH_RTP_IP: ip, FREESWITCH_ESL_IP: ip },
          logFile: path.join(dir, i === 0 ? 'freeswitch.out' : `freeswitch${i + 1}.out`),
          listens: { host: ip, port: 8021, withinMs: 30_000 },
        }),
      );
    }
    const admin = { app: 9122, carrier: 9123, desk: 9124 };
    const servers = Object.entries(ADDR).filter(([name]) => withPhones || name === 'app');
    const drachtios = servers.map(([name, address]) => {
      const port = admin[name as keyof typeof admin];
      const conf = path.join(dir, `drachtio-${name}.xml`);
      writeFileSync(conf, drachtioConfig(address, port));
      return new ManagedServer({
        name: `drachtio ${name}`,
        bin: process.env.E2E_DRACHTIO_BIN!,
        args: ['-f', conf, '--stdout'],
        logFile: path.join(dir, `drachtio-${name}.out`),
        listens: { host: address, port, withinMs: 10_000 },
      });
    });
    children.push(...freeswitches, ...drachtios);
    for (const c of children) c.spawn();
    for (const c of children) await c.ready();

    const directoryFile = opts.directoryFile ?? path.join(dir, 'directory.yaml');
    if (!opts.directoryFile) writeFileSync(directoryFile, directoryYaml());
    const appEnv: Record<string, string> = {
      LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(opts.httpPort ?? 0),
      REDIS_URL: redis.url,
      DIRECTORY_FILE: directoryFile,
      DRACHTIO_HOST: ADDR.app,
      DRACHTIO_PORT: String(admin.app),
      DRACHTIO_SECRET: 'cymru',
      FREESWITCH_HOSTS: FREESWITCH_ADDRS.slice(0, freeswitches.length).join(','),
      FSMRF_LISTEN_ADDRESS: '127.0.0.1',
      FSMRF_LISTEN_PORT: '8185',
      SIP_DOMAIN: ADDR.app,
      TRUNK_ACL: ADDR.carrier,
      TRUNK_URI: `sip:${ADDR.carrier}:5060`,
      // Ana's desk phone places outbound calls without a password; anyone else there is challenged.
      AGENT_ACL: `ana@${ADDR.desk}`,
      AGENT_RING_TIMEOUT_SEC: '10',
      CONFIRM_TIMEOUT_SEC: '4',
      ...opts.env,
    };
    const config = loadConfig(appEnv);
    for (let i = 0; i < (opts.apps ?? 1); i++) {
      // Each instance has its own listener for FreeSWITCH's outbound event sockets.
      const own = i === 0 ? config : { ...config, http: { ...config.http, port: 0 }, freeswitch: { ...config.freeswitch, listenPort: config.freeswitch.listenPort + i } };
      const started = await startCoachline(own, pino({ level: config.logLevel }).child({ instance: i }), opts.web && i === 0 ? { web: opts.web } : {});
      apps.push(started);
      const until = Date.now() + 30_000;
      for (;;) {
        const r = await fetch(`${started.httpUrl}/readyz`).catch(() => undefined);
        if (r?.ok) break;
        if (Date.now() > until) throw new Error(`coachline not ready: ${r ? await r.text() : 'no answer'}`);
        await new Promise((res) => setTimeout(res, 250));
      }
    }
    app = apps[0]!;

    const carrier = new PhoneBook(`${ADDR.carrier}:5060`);
    const desk = new PhoneBook(`${ADDR.desk}:5060`);
    if (withPhones) {
      books.push(carrier, desk);
      await carrier.connect(ADDR.carrier, admin.carrier, 'cymru');
      await desk.connect(ADDR.desk, admin.desk, 'cymru');
    }

    const fsApi = async (cmd: string): Promise<string> => app!.freeswitchApi(cmd);
    const apiAt = async (i: number, method: string, url: string, token: string, body?: unknown): Promise<{ status: number; body: any }> => {
      const res = await fetch(`${apps[i]!.httpUrl}${url}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };
    return {
      app,
      apps,
      apiAt,
      appEnv,
      carrier,
      desk,
      freeswitch: fsApi,
      freeswitchAt: (i, cmd) => fsCli(FREESWITCH_ADDRS[i]!, cmd),
      servers: { freeswitch: freeswitches, drachtio: drachtios[0]!, redis },
      api: (method, url, token, body) => apiAt(0, method, url, token, body),
      stop,
    };
  } catch (err) {
    const logs = ['freeswitch.out', 'drachtio-app.out']
      .map((f) => {
        try {
          return `--- ${f}\n${readFileSync(path.join(dir, f), 'utf8').slice(-3000)}`;
        } catch {
          return '';
        }
      })
      .join('\n');
    await stop();
    throw new Error(`${(err as Error).message}\n${logs}`);
  }
}
