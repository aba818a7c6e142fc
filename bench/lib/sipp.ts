import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ADDR, SIPP_BIN } from './load-stack';
import { writeTonePcap } from './pcap';

/**
 * SIPp as the benches' phones: one long-running UAS answering every agent (and, on its
 * own port, every supervisor desk phone), and one UAC run per load step that places
 * `calls` calls at `rate` per second, each held `holdMs`, from the scenario in
 * bench/sipp/customer.xml. What a step returns comes from SIPp's own files:
 * -trace_rtt (each call's INVITE → 200 and INVITE → 503 in ms) and -trace_stat (the
 * final count of successful and failed calls).
 */

const SCENARIOS = path.join(__dirname, '..', 'sipp');

/** Copies the scenarios into `dir` beside an `rtp.pcap` of `seconds` (scenarios name it relative to SIPp's working directory). */
export function prepareSipp(dir: string, seconds: number): void {
  for (const f of ['customer.xml', 'agent.xml']) copyFileSync(path.join(SCENARIOS, f), path.join(dir, f));
  writeTonePcap(path.join(dir, 'rtp.pcap'), seconds);
}

export interface Uas {
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Agent phones (port 5060) or supervisor desk phones (5062) on 127.0.0.3: answer everything, send RTP, wait for BYE. */
export function startUas(dir: string, port: number, mediaPort: number): Uas {
  const child = spawn(SIPP_BIN, ['-sf', 'agent.xml', '-i', ADDR.phones, '-p', String(port), '-mi', ADDR.phones, '-mp', String(mediaPort), '-aa', '-nostdin', '-max_socket', '4096', '-buff_size', '4194304'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  return {
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

export interface StepOptions {
  dir: string;
  /** host:port the customers call (coachline or the baseline). */
  target: string;
  numbersCsv: string;
  rate: number;
  calls: number;
  holdMs: number;
  /** Local SIP port of this run (a new SIPp per step). */
  port?: number;
  /** A call that gets no answer in this long fails. */
  recvTimeoutMs?: number;
  /** Called with SIPp's pid once it runs (CPU sampling) and its -trace_stat file (written every second: readStats). */
  onStart?(pid: number, statFile: string): void;
}

export interface StepResult {
  /** INVITE → 200 OK of every answered call, ms. */
  answered: number[];
  /** INVITE → 503 of every call refused by admission control, ms. */
  refused: number[];
  /** Calls SIPp counted as successful (answered and completed, or refused with 503). */
  successful: number;
  /** Calls SIPp counted as failed: another final answer, no answer, a BYE from the far end, a lost response. */
  failed: number;
  /** Answered calls that then failed (a BYE from the far end, no answer to our BYE). */
  failedAfterAnswer: number;
  wallMs: number;
}

let steps = 0;

export function runCustomers(o: StepOptions): Promise<StepResult> {
  const statFile = `step-${++steps}-stat.csv`;
  const args = [
    '-sf', 'customer.xml', '-inf', o.numbersCsv,
    '-i', ADDR.trunk, '-p', String(o.port ?? 5070), '-mi', ADDR.trunk, '-mp', '34000',
    o.target,
    '-r', String(o.rate), '-m', String(o.calls), '-d', String(o.holdMs),
    // Every call is placed at its time, whatever the answers: the limit on open calls
    // SIPp would otherwise apply (3 × rate × call length) must never throttle the load.
    '-l', String(Math.max(1000, Math.ceil(o.rate * (o.holdMs / 1000 + 30) * 2))),
    '-recv_timeout', String(o.recvTimeoutMs ?? 15_000),
    '-timeout', `${Math.ceil(o.calls / o.rate + o.holdMs / 1000 + 60)}s`,
    '-trace_rtt', '-rtt_freq', '1', '-trace_stat', '-fd', '1', '-stf', statFile,
    '-nostdin', '-max_socket', '4096', '-buff_size', '4194304',
  ];
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(SIPP_BIN, args, { cwd: o.dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)));
    child.on('error', reject);
    if (child.pid) o.onStart?.(child.pid, path.join(o.dir, statFile));
    child.on('exit', () => {
      const wallMs = Date.now() - t0;
      try {
        const rtt = path.join(o.dir, `customer_${child.pid}_rtt.csv`);
        const answered: number[] = [];
        const refused: number[] = [];
        if (existsSync(rtt)) {
          for (const line of readFileSync(rtt, 'utf8').split('\n').slice(1)) {
            const [, ms, rtd] = line.split(';');
            if (rtd === '1') answered.push(Number(ms));
            else if (rtd === '2') refused.push(Number(ms));
          }
        }
        const { successful, failed } = readStats(path.join(o.dir, statFile));
        // Answered calls that completed are the successful ones not refused.
        const failedAfterAnswer = Math.max(0, answered.length - (successful - refused.length));
        resolve({ answered, refused, successful, failed, failedAfterAnswer, wallMs });
      } catch (err) {
        reject(new Error(`SIPp step: ${(err as Error).message}; stderr: ${stderr}`));
      }
    });
  });
}

/** SIPp's call counts so far, from the last line of its -trace_stat file. */
export function readStats(file: string): { successful: number; failed: number } {
  if (!existsSync(file)) return { successful: 0, failed: 0 };
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  if (lines.length < 2) return { successful: 0, failed: 0 };
  const head = lines[0]!.split(';');
  const last = lines[lines.length - 1]!.split(';');
  const col = (name: string): number => Number(last[head.indexOf(name)]);
  return { successful: col('SuccessfulCall(C)'), failed: col('FailedCall(C)') };
}
