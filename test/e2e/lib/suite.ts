import t, { type Test } from 'tap';
import { missingServers, startStack, type Stack, type StackOptions } from './stack';

/**
 * Runs an e2e file's cases against one stack, or — when the servers are absent —
 * prints one line per case saying why it was skipped and reports it as skipped
 * (tap counts it as a skip, never a pass).
 */
export function e2eSuite(
  file: string,
  cases: [name: string, fn: (t: Test, s: Stack) => Promise<void>][],
  opts: { options?: () => Promise<StackOptions>; needs?: () => string | undefined } = {},
): void {
  const reason = missingServers() ?? opts.needs?.();
  if (reason) {
    for (const [name] of cases) {
      process.stdout.write(`# e2e skipped: ${file}: ${name} — ${reason}\n`);
      t.test(name, { skip: reason }, async () => undefined);
    }
    return;
  }
  // One parent test owns the stack: the root test's own teardown would only run at
  // process exit, which the stack's open sockets would never let come.
  t.test(`e2e ${file}`, async (tt) => {
    const stack = await startStack(opts.options ? await opts.options() : {});
    try {
      for (const [name, fn] of cases) {
        await tt.test(name, { timeout: 120_000 }, async (ct) => fn(ct, stack));
      }
    } finally {
      await stack.stop();
      if (process.env.E2E_DEBUG_HANDLES) {
        setTimeout(() => {
          for (const h of (process as unknown as { _getActiveHandles(): any[] })._getActiveHandles()) {
            process.stderr.write(`open handle: ${h.constructor?.name} ${typeof h.remoteAddress === 'function' ? 'udp' : String(h.remoteAddress)}:${String(h.remotePort)} local ${String(h.localAddress)}:${String(h.localPort)} fd ${h._handle?.fd} type ${h._handle?.constructor?.name}\n`);
          }
        }, 2000).unref();
      }
    }
  });
}
