import { ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';

/**
 * One server process of the e2e stack that a fault case can take away and give back
 * on the same address: killed (SIGKILL), hung (SIGSTOP) and woken (SIGCONT), or
 * restarted with the same arguments — the app must find it again by itself.
 */

export function waitPort(host: string, port: number, ms: number, what: string): Promise<void> {
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

export interface ServerSpec {
  name: string;
  bin: string;
  args: string[];
  env?: Record<string, string>;
  logFile: string;
  /** Where it listens once up (its readiness). */
  listens: { host: string; port: number; withinMs: number };
}

export class ManagedServer {
  private child: ChildProcess | undefined;

  constructor(readonly spec: ServerSpec) {}

  /** Spawns it; `ready()` waits for its port. */
  spawn(): void {
    const child = spawn(this.spec.bin, this.spec.args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.spec.env } });
    const log = (d: Buffer): void => writeFileSync(this.spec.logFile, d, { flag: 'a' });
    child.stdout?.on('data', log);
    child.stderr?.on('data', log);
    this.child = child;
  }

  ready(): Promise<void> {
    const { host, port, withinMs } = this.spec.listens;
    return waitPort(host, port, withinMs, this.spec.name);
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends the signal; for one that ends the process, resolves once it has exited. */
  async signal(sig: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    if (sig === 'SIGSTOP' || sig === 'SIGCONT') {
      child.kill(sig);
      return;
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // A stopped process does not act on SIGTERM until it is continued.
    child.kill('SIGCONT');
    child.kill(sig);
    const hard = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(hard);
  }

  /** Killed hard, as a crash would. */
  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  /** Started again with the same arguments, on the same address; resolves once it listens. */
  async restart(): Promise<void> {
    if (this.running) await this.kill();
    this.spawn();
    await this.ready();
  }

  /** Stopped for the suite's end: SIGTERM, SIGKILL after 5 s. */
  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }
}
