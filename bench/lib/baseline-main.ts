/**
 * The baseline B2BUA (bench/baseline-b2bua.ts) in a child of a load bench, for the load
 * directory of sipp-scenarios/load/make-directory.mjs: number +3491NNNNNNN rings
 * agentNNNN at BASELINE_AGENTS_AT. Settings from the environment:
 *   BASELINE_DRACHTIO=host:port  BASELINE_FSMRF_PORT  BASELINE_AGENTS_AT=host:port  BASELINE_PROFILE
 */
import { BaselineB2bua } from '../baseline-b2bua';
import { serveParent } from './child-app';

async function main(): Promise<void> {
  const [host, port] = (process.env.BASELINE_DRACHTIO ?? '127.0.0.4:9125').split(':');
  const agentsAt = process.env.BASELINE_AGENTS_AT ?? '127.0.0.3:5060';
  const b = new BaselineB2bua({
    drachtio: { host: host!, port: Number(port), secret: 'cymru' },
    freeswitch: { address: '127.0.0.1', port: 8021, secret: 'ClueCon', listenAddress: '127.0.0.1', listenPort: Number(process.env.BASELINE_FSMRF_PORT ?? 8285) },
    profile: process.env.BASELINE_PROFILE ?? 'coachline',
    agentFor: (user) => {
      const m = /^\+3491(\d{7})$/.exec(user);
      return m ? `sip:agent${Number(m[1]).toString().padStart(4, '0')}@${agentsAt}` : undefined;
    },
  });
  // drachtio-srf throws ENODIALOG from its socket handler when a dialog is gone under
  // load; the minimal app has no guard for it, so the harness keeps it alive and counts it.
  process.on('uncaughtException', (err) => {
    b.failures += 1;
    b.lastError = err.message;
    process.stdout.write(`baseline: uncaught exception (going on): ${err.message}\n`);
  });
  await b.start();
  serveParent(() => b.stop());
  process.send?.({ type: 'ready' });
  // What the app got wrong, for the bench's log (a failure the caller also sees).
  setInterval(() => {
    if (b.failures) process.stdout.write(`baseline: ${b.failures} failed calls so far (last: ${b.lastError})\n`);
  }, 10_000).unref();
}

main().catch((err: unknown) => {
  process.stderr.write(`baseline failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
