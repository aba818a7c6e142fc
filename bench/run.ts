/**
 * npm run bench [-- <name>...]: runs the benches in bench/ one after another (or the ones
 * named), each in its own node process with --expose-gc (the api bench reads heapUsed
 * after gc()), so one bench's heap, handles and servers never touch the next one's.
 * Each prints its own table: metric, value, baseline, ratio (value / baseline).
 * A bench that overruns its time limit is sent SIGTERM (it tears its servers down).
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { SKIPPED_EXIT, nowMs } from './lib/report';

/** `named`: long load runs on the real stack, only when asked for by name (not in a plain `npm run bench`). */
const BENCHES: Record<string, { file: string; limitSec: number; what: string; named?: true }> = {
  plan: { file: 'plan.ts', limitSec: 60, what: 'pure domain: hearing matrix → plan → diff → commands' },
  api: { file: 'api.ts', limitSec: 120, what: 'HTTP API with 1,000 live calls on a private Redis' },
  lease: { file: 'lease.ts', limitSec: 120, what: 'lease renewal of 1,000 live calls: tick cost and API latency meanwhile' },
  finished: { file: 'finished-calls.ts', limitSec: 300, what: 'heap left behind per finished call (answered, listed, supervised, ended), just after and a minute later (~3 min)', named: true },
  forwarding: { file: 'forwarding.ts', limitSec: 120, what: 'commands through the instance that does not own the call, beside the owner (two instances, one Redis)' },
  web: { file: 'web.ts', limitSec: 240, what: 'the web page with 1,000 live calls in headless Chromium (needs /usr/bin/chromium)' },
  stack: { file: 'stack.ts', limitSec: 180, what: 'real drachtio + FreeSWITCH (needs E2E_DRACHTIO_BIN, E2E_FREESWITCH_BIN)' },
  knee: { file: 'knee.ts', limitSec: 900, what: 'calls/s stepped to the knee, coachline beside the baseline (real stack + SIPp, ~10 min)', named: true },
  plateau: { file: 'plateau.ts', limitSec: 900, what: '100 and 200 calls held 60 s: CPU, heap and Redis per call (real stack + SIPp, ~8 min)', named: true },
  overload: { file: 'overload.ts', limitSec: 900, what: '1.5 × capacity for 60 s with admission control, beside the baseline (real stack + SIPp, ~7 min)', named: true },
  soak: { file: 'soak.ts', limitSec: 3600, what: '30 min at 60 % of capacity with supervisions (real stack + SIPp)', named: true },
};

function runOne(name: string): Promise<{ code: number; seconds: number }> {
  const b = BENCHES[name]!;
  const t0 = nowMs();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(__dirname, b.file)], { stdio: 'inherit' });
    const timer = setTimeout(() => {
      process.stderr.write(`bench ${name}: over ${b.limitSec} s, stopping it\n`);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
    }, b.limitSec * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 1 : 0), seconds: (nowMs() - t0) / 1000 });
    });
  });
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2).filter((a) => a !== '--');
  const unknown = asked.filter((a) => !BENCHES[a]);
  if (unknown.length) {
    process.stderr.write(`unknown bench: ${unknown.join(', ')}\nbenches:\n${Object.entries(BENCHES).map(([n, b]) => `  ${n.padEnd(6)} ${b.what}`).join('\n')}\n`);
    process.exit(2);
  }
  const names = asked.length ? asked : Object.keys(BENCHES).filter((n) => !BENCHES[n]!.named);
  process.stdout.write(`coachline benchmarks — node ${process.version}, ${os.cpus().length} CPUs; ratio = value / baseline, both measured in this run\n`);
  const summary: string[] = [];
  let failed = 0;
  for (const name of names) {
    const r = await runOne(name);
    const outcome = r.code === 0 ? 'done' : r.code === SKIPPED_EXIT ? 'skipped' : `FAILED (exit ${r.code})`;
    if (outcome.startsWith('FAILED')) failed += 1;
    summary.push(`${name}: ${outcome} in ${r.seconds.toFixed(1)} s`);
  }
  process.stdout.write(`\n${summary.join('\n')}\n`);
  process.exit(failed ? 1 : 0);
}

void main();
