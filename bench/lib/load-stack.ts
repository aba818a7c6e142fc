import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { startSingleRedis, type SingleRedisServer } from '../../test/helpers/redis';
import { forkApp, type ChildApp } from './child-app';
import { sleep } from './report';

/**
 * The real stack for the load benches (knee, plateau, overload, soak), every part in a
 * process of its own so each one's CPU can be read from /proc: FreeSWITCH with this
 * repository's freeswitch/ configuration, coachline (bench/lib/coachline-main.ts)
 * behind its drachtio-server on 127.0.0.1, the baseline B2BUA
 * (bench/lib/baseline-main.ts) behind its own on 127.0.0.4 — both on the same
 * FreeSWITCH — and a private Redis. The load comes from SIPp (bench/lib/sipp.ts):
 * customers on 127.0.0.2 (coachline's TRUNK_ACL), agent phones on 127.0.0.3.
 */

export const ROOT = path.resolve(__dirname, '..', '..');
export const SIPP_BIN = process.env.SIPP_BIN ?? '/usr/bin/sipp';
export const ADDR = { coachline: '127.0.0.1', trunk: '127.0.0.2', phones: '127.0.0.3', baseline: '127.0.0.4' } as const;
const ADMIN = { coachline: 9122, baseline: 9125 };
const FSMRF = { coachline: 8185, baseline: 8285 };

/** Why the load benches cannot run here, or undefined. */
export async function missingForLoad(): Promise<string | undefined> {
  const missing = ['E2E_DRACHTIO_BIN', 'E2E_FREESWITCH_BIN'].filter((v) => !process.env[v]);
  if (missing.length) return `${missing.join(' and ')} not set: point them at the drachtio and freeswitch binaries`;
  if (!existsSync(SIPP_BIN)) return `no SIPp at ${SIPP_BIN} (Debian: apt-get install sip-tester; or set SIPP_BIN)`;
  const busy: string[] = [];
  for (const [host, port] of [[ADDR.coachline, ADMIN.coachline], ['127.0.0.1', 8021], [ADDR.baseline, ADMIN.baseline], ['127.0.0.1', FSMRF.coachline], ['127.0.0.1', FSMRF.baseline]] as const) {
    if (await listening(host, port)) busy.push(`${host}:${port}`);
  }
  if (busy.length) return `${busy.join(', ')} already in use (an e2e run, another bench or the compose stack?); the bench starts its own servers there`;
  return undefined;
}

export function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, host, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

export async function waitListening(host: string, port: number, ms: number, what: string, everyMs = 200): Promise<void> {
  const until = Date.now() + ms;
  while (!(await listening(host, port))) {
    if (Date.now() > until) throw new Error(`${what} did not listen on ${host}:${port}`);
    await sleep(everyMs);
  }
}

function run(bin: string, args: string[], logFile: string): ChildProcess {
  return spawn(bin, args, { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env } }).on('error', (err) => writeFileSync(logFile, String(err), { flag: 'a' }));
}

function drachtioConf(dir: string, name: string, address: string, admin: number): string {
  const file = path.join(dir, `drachtio-${name}.xml`);
  writeFileSync(
    file,
    `<drachtio>
  <admin port="${admin}" secret="cymru">${address}</admin>
  <sip><contacts><contact>sip:${address}:5060;transport=udp,tcp</contact></contacts></sip>
  <logging><loglevel>warning</loglevel><sofia-loglevel>1</sofia-loglevel></logging>
</drachtio>
`,
  );
  return file;
}

export interface Directory {
  file: string;
  numbersCsv: string;
  tokens: string[];
}

/** The load directory (sipp-scenarios/load/make-directory.mjs): `numbers` numbers each with its own agent, `supervisors` supervisors on every number. */
export function makeDirectory(dir: string, numbers: number, supervisors: number): Directory {
  const out = path.join(dir, 'directory');
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, 'sipp-scenarios', 'load', 'make-directory.mjs'), '--calls', String(numbers), '--supervisors', String(supervisors), '--agents-at', `${ADDR.phones}:5060`, '--supervisors-at', `${ADDR.phones}:5062`, '--out', out],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`make-directory.mjs failed: ${r.stderr}`);
  return {
    file: path.join(out, 'load-directory.yaml'),
    numbersCsv: path.join(out, 'load-numbers.csv'),
    tokens: readFileSync(path.join(out, 'load-tokens.txt'), 'utf8').split('\n').filter(Boolean),
  };
}

function pidsOf(pattern: string): number[] {
  const r = spawnSync('pgrep', ['-f', pattern], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

/** CPU seconds (user + system) a process has used, from /proc. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

export function rssBytes(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;
  } catch {
    return NaN;
  }
}

export function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

/** An event-socket connection of the bench's own to FreeSWITCH, for counting channels and conferences. */
export class Esl {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  private static readonly lib = require('drachtio-modesl') as { Connection: new (...a: unknown[]) => any };
  private conn: any;

  static async connect(): Promise<Esl> {
    const e = new Esl();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('bench: no event socket on 127.0.0.1:8021')), 10_000);
      e.conn = new Esl.lib.Connection('127.0.0.1', 8021, 'ClueCon', () => {
        clearTimeout(timer);
        e.conn.socket?.setNoDelay(true);
        resolve();
      });
      e.conn.on('error', (err: Error) => reject(err));
    });
    return e;
  }

  api(cmd: string): Promise<string> {
    return new Promise((resolve) => this.conn.api(cmd, (res: { getBody(): string }) => resolve(res.getBody())));
  }

  async channels(): Promise<number> {
    return Number(/(\d+) total/.exec(await this.api('show channels count'))?.[1] ?? NaN);
  }

  async conferences(): Promise<number> {
    return Number(/(\d+)/.exec(await this.api('conference count'))?.[1] ?? NaN);
  }

  /** FreeSWITCH's idle CPU as it reports it (`status`: system-wide, refreshed every second). */
  async idleCpu(): Promise<number> {
    return Number(/min idle cpu [\d.]+\/([\d.]+)/.exec(await this.api('status'))?.[1] ?? NaN);
  }

  close(): void {
    try {
      this.conn.disconnect();
    } catch {
      /* closing anyway */
    }
  }
}

export interface LoadStack {
  dir: string;
  redis: Redis;
  esl: Esl;
  coachline: ChildApp & { httpUrl: string };
  baseline: ChildApp;
  /** `others`: the bench's processes that are no system's part (Redis). */
  pids: { freeswitch: number; drachtio: number; drachtioBaseline: number; others: number[] };
  /** Restart coachline with other settings (the overload bench turns admission control on). */
  restartCoachline(env: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

export interface LoadStackOptions {
  directory: Directory;
  /** Extra coachline settings (admission control, log level). */
  coachlineEnv?: Record<string, string>;
}

export async function startLoadStack(dir: string, opts: LoadStackOptions): Promise<LoadStack> {
  const children: ChildProcess[] = [];
  let redisServer: SingleRedisServer | undefined;
  let coachline: (ChildApp & { httpUrl: string }) | undefined;
  let baseline: ChildApp | undefined;
  let esl: Esl | undefined;
  let redis: Redis | undefined;
  const stop = async (): Promise<void> => {
    esl?.close();
    await Promise.all([coachline?.stop(), baseline?.stop()].map((p) => p?.catch(() => undefined)));
    for (const c of children) c.kill('SIGTERM');
    redis?.disconnect();
    await redisServer?.stop();
    await sleep(500);
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  };
  try {
    redisServer = await startSingleRedis();
    redis = redisServer.client();
    const fsConf = path.join(dir, 'fs-conf');
    cpSync(path.join(ROOT, 'freeswitch'), fsConf, { recursive: true });
    for (const d of ['log', 'db', 'run', 'sounds']) mkdirSync(path.join(dir, `fs-${d}`));
    const fs = run(
      process.env.E2E_FREESWITCH_BIN!,
      ['-nonat', '-nc', '-nf', '-conf', fsConf, '-log', path.join(dir, 'fs-log'), '-db', path.join(dir, 'fs-db'), '-run', path.join(dir, 'fs-run'), '-sounds', path.join(dir, 'fs-sounds')],
      path.join(dir, 'freeswitch.err'),
    );
    const dr = run(process.env.E2E_DRACHTIO_BIN!, ['-f', drachtioConf(dir, 'coachline', ADDR.coachline, ADMIN.coachline)], path.join(dir, 'drachtio.err'));
    const drb = run(process.env.E2E_DRACHTIO_BIN!, ['-f', drachtioConf(dir, 'baseline', ADDR.baseline, ADMIN.baseline)], path.join(dir, 'drachtio-baseline.err'));
    children.push(fs, dr, drb);
    await waitListening('127.0.0.1', 8021, 30_000, 'FreeSWITCH event socket');
    await waitListening(ADDR.coachline, ADMIN.coachline, 10_000, 'drachtio (coachline)');
    await waitListening(ADDR.baseline, ADMIN.baseline, 10_000, 'drachtio (baseline)');
    esl = await Esl.connect();

    const startCoachline = async (env: Record<string, string>): Promise<ChildApp & { httpUrl: string }> => {
      const app = await forkApp(
        'coachline-main.ts',
        {
          LOG_LEVEL: 'warn',
          HTTP_HOST: '127.0.0.1',
          HTTP_PORT: '0',
          REDIS_URL: redisServer!.url,
          DIRECTORY_FILE: opts.directory.file,
          DRACHTIO_HOST: ADDR.coachline,
          DRACHTIO_PORT: String(ADMIN.coachline),
          FREESWITCH_HOSTS: '127.0.0.1',
          FSMRF_LISTEN_ADDRESS: '127.0.0.1',
          FSMRF_LISTEN_PORT: String(FSMRF.coachline),
          SIP_DOMAIN: ADDR.coachline,
          TRUNK_ACL: ADDR.trunk,
          TRUNK_URI: `sip:${ADDR.trunk}:5060`,
          AGENT_ACL: ADDR.phones,
          ...opts.coachlineEnv,
          ...env,
        },
        path.join(dir, 'coachline.log'),
        'coachline',
      );
      const httpUrl = String(app.info.httpUrl);
      const until = Date.now() + 30_000;
      while (!(await fetch(`${httpUrl}/readyz`).then((r) => r.ok).catch(() => false))) {
        if (Date.now() > until) throw new Error(`coachline not ready (log: ${path.join(dir, 'coachline.log')})`);
        await sleep(250);
      }
      return { ...app, httpUrl };
    };
    coachline = await startCoachline({});
    baseline = await forkApp(
      'baseline-main.ts',
      { BASELINE_DRACHTIO: `${ADDR.baseline}:${ADMIN.baseline}`, BASELINE_FSMRF_PORT: String(FSMRF.baseline), BASELINE_AGENTS_AT: `${ADDR.phones}:5060` },
      path.join(dir, 'baseline.log'),
      'baseline',
    );
    const stack: LoadStack = {
      dir,
      redis,
      esl,
      coachline,
      baseline,
      pids: { freeswitch: fs.pid!, drachtio: dr.pid!, drachtioBaseline: drb.pid!, others: pidsOf(`redis-server 127.0.0.1:${redisServer.port}`) },
      async restartCoachline(env) {
        await coachline!.stop();
        coachline = await startCoachline(env);
        stack.coachline = coachline;
      },
      stop,
    };
    return stack;
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A temporary directory for one bench run, removed at the end unless BENCH_KEEP_LOGS is set. */
export function benchDir(name: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), `coachline-${name}-`));
  return { dir, remove: () => (process.env.BENCH_KEEP_LOGS ? process.stdout.write(`  logs kept in ${dir}\n`) : rmSync(dir, { recursive: true, force: true })) };
}

/** What a load bench holds while it runs: each is stopped, newest first, when it ends or is interrupted. */
export interface LoadBench {
  dir: string;
  hold<T extends { stop(): Promise<unknown> }>(thing: T): T;
}

/**
 * The frame every load bench runs in: skipped (and says why) without the servers, its
 * own scratch directory, and whatever it holds (stack, SIPp, supervisors) stopped and
 * the directory removed at its end — or on SIGTERM/SIGINT, so an interrupted run leaves
 * no server behind.
 */
export async function loadBench(name: string, body: (b: LoadBench) => Promise<void>): Promise<void | 'skipped'> {
  const missing = await missingForLoad();
  if (missing) {
    process.stdout.write(`\n== ${name}: skipped — ${missing}\n`);
    return 'skipped';
  }
  const { dir, remove } = benchDir(name);
  const held: { stop(): Promise<unknown> }[] = [];
  const cleanup = async (): Promise<void> => {
    for (const h of held.splice(0).reverse()) await h.stop();
    remove();
  };
  process.once('SIGTERM', () => void cleanup().finally(() => process.exit(1)));
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(1)));
  try {
    await body({ dir, hold: (thing) => (held.push(thing), thing) });
  } finally {
    await cleanup();
  }
}
