/**
 * What every bench prints: one compact table of rows `metric | value | baseline | ratio`,
 * the baseline measured in the same run. `ratio` is always value / baseline, so for a
 * time it reads "how many times slower than the floor" and for a rate "what share of
 * the floor's rate".
 */

export interface Row {
  metric: string;
  unit: string;
  value: number;
  /** Absent: the metric has no baseline of its own (printed as "-"). */
  baseline?: number;
  /** Short name of the baseline, printed once under the table. */
  against?: string;
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a >= 100_000) return Math.round(n).toLocaleString('en-US');
  if (a >= 100) return n.toFixed(0);
  if (a >= 10) return n.toFixed(1);
  if (a >= 1) return n.toFixed(2);
  if (a === 0) return '0';
  return n.toPrecision(2);
}

export function ratio(value: number, baseline: number | undefined): string {
  if (baseline === undefined || !Number.isFinite(baseline) || baseline === 0) return '-';
  const r = value / baseline;
  return `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}

export function printTable(title: string, rows: Row[], notes: string[] = []): void {
  const head = ['metric', 'value', 'baseline', 'ratio'];
  const body = rows.map((r) => [
    `${r.metric} (${r.unit})`,
    fmt(r.value),
    r.baseline === undefined ? '-' : fmt(r.baseline),
    ratio(r.value, r.baseline),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out: string[] = [`\n== ${title}`, line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
  const againsts = [...new Set(rows.map((r) => r.against).filter((a): a is string => !!a))];
  for (const a of againsts) out.push(`  baseline: ${a}`);
  for (const n of notes) out.push(`  ${n}`);
  process.stdout.write(out.join('\n') + '\n');
}

/** Percentile (nearest rank) of unsorted samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const s = [...samples].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i]!;
}

export const median = (samples: readonly number[]): number => percentile(samples, 50);

/** Milliseconds since an arbitrary origin, sub-µs resolution. */
export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Exit code of a bench that printed why it did not run (bench/run.ts reports it as skipped). */
export const SKIPPED_EXIT = 3;

/**
 * Runs `main` when the file is executed directly: exit 0, SKIPPED_EXIT when it returns
 * 'skipped', 1 (and the error) on failure.
 */
export function runIfMain(mod: NodeModule, main: () => Promise<void | 'skipped'>): void {
  if (require.main !== mod) return;
  main().then(
    (r) => process.exit(r === 'skipped' ? SKIPPED_EXIT : 0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}

/** `global.gc`, exposed with node --expose-gc (bench/run.ts starts every bench that way). */
export function gcOrThrow(): () => void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('global.gc is not exposed: run with node --expose-gc --import tsx (npm run bench does)');
  return gc;
}

/** Heap in use after a full collection: twice, with a turn of the event loop between, so finalizers and weak refs settle. */
export async function heapUsed(): Promise<number> {
  const gc = gcOrThrow();
  gc();
  await sleep(20);
  gc();
  return process.memoryUsage().heapUsed;
}
