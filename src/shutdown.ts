import type { Logger } from 'pino';

export interface ShutdownStep {
  name: string;
  run(): Promise<void> | void;
}

/**
 * Runs the teardown steps in order, each to its end or until the deadline, and logs
 * each one: a step that fails or hangs never keeps the later ones (hanging up calls,
 * closing Redis) from running. After the deadline, the steps still to come get a
 * short grace each, so the whole is bounded by about `deadlineMs`.
 */
export async function runShutdown(steps: readonly ShutdownStep[], deadlineMs: number, logger: Logger): Promise<{ ok: boolean }> {
  const until = Date.now() + deadlineMs;
  let ok = true;
  for (const step of steps) {
    const t0 = Date.now();
    const budget = Math.max(STEP_GRACE_MS, until - t0);
    let timer: NodeJS.Timeout | undefined;
    try {
      const outcome = await Promise.race([
        Promise.resolve().then(() => step.run()).then(() => 'done' as const),
        new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), budget))),
      ]);
      if (outcome === 'done') {
        logger.info({ step: step.name, ms: Date.now() - t0 }, 'shutdown step done');
      } else {
        ok = false;
        logger.error({ step: step.name, ms: Date.now() - t0 }, 'shutdown step timed out');
      }
    } catch (err) {
      ok = false;
      logger.error({ step: step.name, err, ms: Date.now() - t0 }, 'shutdown step failed');
    } finally {
      clearTimeout(timer);
    }
  }
  return { ok };
}

const STEP_GRACE_MS = 250;
