import { Config, loadConfig } from '../../src/config';

let n = 0;

/** A config for tests: defaults, a unique key prefix, and short leases where a test needs them. */
export interface ConfigPatch {
  lockTtlMs?: number;
  timelineTtlSec?: number;
  bodyLimitBytes?: number;
  http?: Partial<Config['http']>;
  limits?: Partial<Config['limits']>;
  forwardTimeoutMs?: number;
}

export function testConfig(patch: ConfigPatch = {}): Config {
  const base = loadConfig({});
  n += 1;
  return {
    ...base,
    logLevel: 'silent',
    ...(patch.forwardTimeoutMs ? { forwardTimeoutMs: patch.forwardTimeoutMs } : {}),
    http: { ...base.http, host: '127.0.0.1', port: 0, bodyLimitBytes: patch.bodyLimitBytes ?? base.http.bodyLimitBytes, ...patch.http },
    // The auth and bad-request matrices send hundreds of wrong credentials from 127.0.0.1 on purpose.
    limits: { ...base.limits, authFailures: 1_000_000, supervisionStarts: 1_000_000, ...patch.limits },
    redis: {
      ...base.redis,
      keyPrefix: `test${process.pid}-${n}:`,
      // The config's floor is 5 s; tests build the object directly to use shorter leases.
      lockTtlSec: (patch.lockTtlMs ?? 30_000) / 1000,
      timelineTtlSec: patch.timelineTtlSec ?? base.redis.timelineTtlSec,
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true or `ms` pass. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 3000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
