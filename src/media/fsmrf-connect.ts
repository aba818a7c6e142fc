import type { FsMediaServer, MrfConnectOptions, MrfInstance } from './fsmrf-types';

/**
 * drachtio-fsmrf's `Mrf#connect` (4.1.2, lib/mrf.js), with the one change coachline
 * needs: a connection attempt that fails is closed. drachtio-modesl retries a failed
 * inbound connection by itself, for ever (`_onError` → `_onConnectionGone`), while
 * `Mrf#connect` has already reported the failure and forgotten the connection. So every
 * failed attempt of the pool's reconnect loop left a connection retrying in the
 * background, and when FreeSWITCH came back each of them made a MediaServer listening
 * on the same FSMRF_LISTEN_PORT: EADDRINUSE, thrown where nothing can catch it — a
 * FreeSWITCH killed and restarted took the app down with it (seen in the e2e fault
 * case, test/e2e/faults.test.ts).
 */

interface EslConnectionInternals {
  closing?: boolean;
  socket?: { destroy(): void } | null;
  reconnectVars?: { retryTimer?: NodeJS.Timeout | null };
  on(event: string, cb: (...args: any[]) => void): void;
  removeListener(event: string, cb: (...args: any[]) => void): void;
}
type EslConnectionCtor = new (host: string, port: number, password: string, onReady: () => void) => EslConnectionInternals;
type MediaServerCtor = new (
  conn: EslConnectionInternals,
  mrf: unknown,
  listenAddress: string,
  listenPort: number,
  advertisedAddress: string | undefined,
  advertisedPort: number | undefined,
  profile: string,
) => FsMediaServer;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const esl = require('drachtio-modesl') as { Connection: EslConnectionCtor };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const MediaServer = require('drachtio-fsmrf/lib/mediaserver') as MediaServerCtor;

/** Stops drachtio-modesl's own retries of a connection given up on. */
function abandon(conn: EslConnectionInternals): void {
  conn.closing = true;
  if (conn.reconnectVars?.retryTimer) {
    clearTimeout(conn.reconnectVars.retryTimer);
    conn.reconnectVars.retryTimer = null;
  }
  // An 'error' with no listener would throw; this connection's errors no longer matter.
  conn.on('error', () => undefined);
  conn.socket?.destroy();
}

/** `mrf` is the drachtio-fsmrf Mrf the MediaServer belongs to (it reads srf and options from it). */
export function connectMediaServer(mrf: MrfInstance, o: MrfConnectOptions): Promise<FsMediaServer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      abandon(conn);
      reject(err);
    };
    const conn = new esl.Connection(o.address, o.port, o.secret, () => {
      if (settled) return;
      // From here the MediaServer reports the connection's errors.
      conn.removeListener('error', fail);
      const ms = new MediaServer(conn, mrf, o.listenAddress, o.listenPort, undefined, undefined, o.profile ?? 'drachtio_mrf');
      ms.once('ready', () => {
        if (settled) return;
        settled = true;
        resolve(ms);
      });
      // Not ready within fsmrf's 1 s: it has closed its listener and the connection already.
      ms.once('error', (err: Error) => fail(err));
    });
    conn.on('error', fail);
    conn.on('esl::event::raw::text/rude-rejection', () => fail(new Error('acl-error: FreeSWITCH refused this address')));
  });
}
