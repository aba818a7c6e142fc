/**
 * Runs coachline with FreeSWITCH, its drachtio-server and Redis on loopback, without
 * test phones, for SIPp runs on a machine without Docker (see sipp-scenarios/README.md):
 *
 *   E2E_DRACHTIO_BIN=… E2E_FREESWITCH_BIN=… npm run stack:local -- [directory.yaml] [http-port]
 *
 * SIP: coachline 127.0.0.1:5060; the trunk (TRUNK_ACL/TRUNK_URI) is 127.0.0.2, agent
 * and desk phones are expected on 127.0.0.3. Ctrl-C stops everything.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { missingServers, startStack } from './lib/stack';

async function main(): Promise<void> {
  const missing = missingServers();
  if (missing) {
    process.stderr.write(`${missing}\n`);
    process.exit(2);
  }
  const [file, port] = process.argv.slice(2);
  // npm runs scripts from the package root; a relative path means where the user typed it.
  const directoryFile = file ? path.resolve(process.env.INIT_CWD ?? process.cwd(), file) : undefined;
  if (directoryFile && !existsSync(directoryFile)) {
    process.stderr.write(`no directory file at ${directoryFile}\n`);
    process.exit(2);
  }
  const stack = await startStack({ phones: false, ...(directoryFile ? { directoryFile } : {}), httpPort: Number(port ?? 3000) });
  process.stdout.write(`coachline up: API ${stack.app.httpUrl}, SIP 127.0.0.1:5060 (Ctrl-C to stop)\n`);
  const stop = (): void => void stack.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
