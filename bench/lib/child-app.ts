import { fork, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import path from 'node:path';

/**
 * An app under load in a process of its own (coachline, or the baseline B2BUA), so its
 * CPU and heap are its own and never the load generator's. It speaks over IPC:
 * `ready` once listening, and `stats` on request (heap after a full GC, RSS).
 * bench/lib/coachline-main.ts and bench/lib/baseline-main.ts are the two children.
 */
export interface AppStats {
  heapUsed: number;
  rss: number;
}

export interface ChildApp {
  pid: number;
  /** What the child said when ready (coachline: its HTTP URL). */
  info: Record<string, unknown>;
  stats(gc: boolean): Promise<AppStats>;
  stop(): Promise<void>;
}

export async function forkApp(file: string, env: Record<string, string>, logFile: string, what: string): Promise<ChildApp> {
  const out = openSync(logFile, 'a');
  const child: ChildProcess = fork(path.join(__dirname, file), [], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', out, out, 'ipc'],
  });
  let seq = 0;
  const waiting = new Map<number, (s: AppStats) => void>();
  const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start in 60 s (log: ${logFile})`)), 60_000);
    child.on('message', (m: { type: string; id?: number } & Record<string, unknown>) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve(m);
      } else if (m.type === 'stats' && m.id !== undefined) {
        waiting.get(m.id)?.(m as unknown as AppStats);
        waiting.delete(m.id);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} (log: ${logFile})`));
    });
  });
  return {
    pid: child.pid!,
    info,
    stats(gc) {
      const id = ++seq;
      return new Promise((resolve, reject) => {
        if (child.exitCode !== null || child.signalCode !== null || !child.connected) return reject(new Error(`${what} is gone (exit ${child.exitCode ?? child.signalCode}; log: ${logFile})`));
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`${what} did not answer stats in 30 s`));
        }, 30_000);
        waiting.set(id, (s) => {
          clearTimeout(timer);
          resolve(s);
        });
        child.send({ type: 'stats', id, gc });
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The child's side: answers `stats` and `stop` (stop runs `onStop`, then exits). */
export function serveParent(onStop: () => Promise<unknown>): void {
  process.on('message', (m: { type: string; id?: number; gc?: boolean }) => {
    if (m.type === 'stats') {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (m.gc && gc) gc();
      const mem = process.memoryUsage();
      process.send?.({ type: 'stats', id: m.id, heapUsed: mem.heapUsed, rss: mem.rss });
    } else if (m.type === 'stop') {
      void onStop().finally(() => process.exit(0));
    }
  });
  // The parent gone (a bench killed hard): do not stay behind holding ports.
  process.on('disconnect', () => void onStop().finally(() => process.exit(0)));
}
