/**
 * coachline as `npm start` runs it (settings from the environment, src/index.ts's
 * startCoachline), in a child of a load bench: it reports `ready` with its HTTP URL and
 * answers the bench's `stats` over IPC (bench/lib/child-app.ts).
 */
import { loadConfig } from '../../src/config';
import { createLogger, startCoachline } from '../../src/index';
import { serveParent } from './child-app';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
  const app = await startCoachline(config, logger);
  serveParent(() => app.stop());
  process.send?.({ type: 'ready', httpUrl: app.httpUrl });
}

main().catch((err: unknown) => {
  process.stderr.write(`coachline failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
