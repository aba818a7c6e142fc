import { ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

/**
 * The real app as `npm start` runs it (src/index.ts under tsx), in a child process
 * with a private Redis and no SIP or media servers: for what only a whole process
 * shows (signals, exit codes, the order of shutdown).
 */
export interface AppProcess {
  child: ChildProcess;
  port: number;
  /** Every pino line so far, parsed. */
  logs: Record<string, unknown>[];
  /** Resolves with the exit code (null: killed by a signal) and how long after `since` it came. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  waitForLog(match: (l: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  kill(): void;
}

const root = path.resolve(__dirname, '..', '..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export async function startApp(env: Record<string, string>): Promise<AppProcess> {
  // Ports nobody listens on: drachtio and FreeSWITCH are "down" for the whole run.
  const [drachtio, freeswitch, fsmrf] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
      DRACHTIO_PORT: String(drachtio),
      FREESWITCH_PORT: String(freeswitch),
      FSMRF_LISTEN_PORT: String(fsmrf),
      DIRECTORY_FILE: path.join(root, 'test', 'fixtures', 'directory.yaml'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const waiters: { match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let buf = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        const l = JSON.parse(line) as Record<string, unknown>;
        logs.push(l);
        for (const w of [...waiters]) {
          if (w.match(l)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(l);
          }
        }
      } catch {
        // not a pino line
      }
    }
  });
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const app: AppProcess = {
    child,
    port: 0,
    logs,
    exited,
    waitForLog(match, ms = 20_000) {
      const seen = logs.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no such log line within ${ms} ms; stderr: ${stderr.slice(-2000)}`)), ms);
        waiters.push({ match, resolve: (l) => (clearTimeout(timer), resolve(l)) });
        void exited.then(() => setTimeout(() => reject(new Error(`the app exited; stderr: ${stderr.slice(-2000)}`)), 50));
      });
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
  const listening = await app.waitForLog((l) => l.msg === 'coachline listening');
  app.port = Number(new URL(String(listening.httpUrl)).port);
  await app.waitForLog((l) => l.msg === 'coachline started');
  return app;
}
