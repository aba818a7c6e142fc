import { ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../../src/config';
import { startCoachline, type Coachline } from '../../../src/index';
import type { WebAssets } from '../../../src/api/web-assets';
import { RedisServer, startRedis } from '../../helpers/redis';
import { PhoneBook } from './sip-phones';

/**
 * The real stack for e2e: FreeSWITCH with the repo's freeswitch/ config, three
 * drachtio-servers (coachline's; the carrier's, where customers and remote phones
 * live; the desk phones'), a private Redis, and coachline itself in this process.
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
  stop(): Promise<void>;
}

function waitPort(host: string, port: number, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const s = net.connect(port, host, () => {
        s.destroy();
        resolve();
      });
      s.on('error', () => {
        s.destroy();
        if (Date.now() > until) reject(new Error(`${what} did not listen on ${host}:${port}`));
        else setTimeout(attempt, 200);
      });
    };
    attempt();
  });
}

function run(bin: string, args: string[], logFile: string): ChildProcess {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = (d: Buffer): void => writeFileSync(logFile, d, { flag: 'a' });
  child.stdout?.on('data', log);
  child.stderr?.on('data', log);
  return child;
}

function drachtioConfig(address: string, adminPort: number): string {
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
  - { id: sofia, name: Sofia Supervisor, role: supervisor, permissions: [monitor, coach, barge], device: { kind: sip_uri, uri: "sip:sofia@${ADDR.desk}", dialect: yealink }, tokens: ["e2e-sofia-token-0000000"] }
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
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const withPhones = opts.phones ?? true;
  const dir = mkdtempSync(path.join(tmpdir(), 'coachline-e2e-'));
  const children: ChildProcess[] = [];
  let redis: RedisServer | undefined;
  let app: Coachline | undefined;
  const apps: Coachline[] = [];
  const books: PhoneBook[] = [];
  const stop = async (): Promise<void> => {
    books.forEach((b) => b.close());
    for (const a of apps.reverse()) await a.stop().catch(() => undefined);
    for (const c of children) c.kill('SIGTERM');
    await redis?.stop();
    await new Promise((r) => setTimeout(r, 300));
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    if (!process.env.E2E_KEEP_LOGS) rmSync(dir, { recursive: true, force: true });
  };
  try {
    redis = await startRedis();

    // FreeSWITCH with the repo's configuration (copied: FreeSWITCH writes next to it).
    const fsConf = path.join(dir, 'fs-conf');
    cpSync(path.join(__dirname, '..', '..', '..', 'freeswitch'), fsConf, { recursive: true });
    for (const d of ['log', 'db', 'run', 'sounds']) mkdirSync(path.join(dir, `fs-${d}`));
    children.push(
      run(
        process.env.E2E_FREESWITCH_BIN!,
        ['-nonat', '-nc', '-nf', '-conf', fsConf, '-log', path.join(dir, 'fs-log'), '-db', path.join(dir, 'fs-db'), '-run', path.join(dir, 'fs-run'), '-sounds', path.join(dir, 'fs-sounds')],
        path.join(dir, 'freeswitch.out'),
      ),
    );
    const admin = { app: 9122, carrier: 9123, desk: 9124 };
    const servers = Object.entries(ADDR).filter(([name]) => withPhones || name === 'app');
    for (const [name, address] of servers) {
      const conf = path.join(dir, `drachtio-${name}.xml`);
      writeFileSync(conf, drachtioConfig(address, admin[name as keyof typeof admin]));
      children.push(run(process.env.E2E_DRACHTIO_BIN!, ['-f', conf, '--stdout'], path.join(dir, `drachtio-${name}.out`)));
    }
    await waitPort('127.0.0.1', 8021, 30_000, 'FreeSWITCH event socket');
    for (const [name, address] of servers) await waitPort(address, admin[name as keyof typeof admin], 10_000, `drachtio ${name}`);

    const directoryFile = opts.directoryFile ?? path.join(dir, 'directory.yaml');
    if (!opts.directoryFile) writeFileSync(directoryFile, directoryYaml());
    const config = loadConfig({
      LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(opts.httpPort ?? 0),
      REDIS_URL: redis.url,
      DIRECTORY_FILE: directoryFile,
      DRACHTIO_HOST: ADDR.app,
      DRACHTIO_PORT: String(admin.app),
      DRACHTIO_SECRET: 'cymru',
      FREESWITCH_HOSTS: '127.0.0.1',
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
    });
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
      carrier,
      desk,
      freeswitch: fsApi,
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
