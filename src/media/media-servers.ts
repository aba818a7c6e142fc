import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import { FsMediaServer, Mrf, noDelay } from './fsmrf-types';

/**
 * Connections to one or more FreeSWITCH servers, each kept up with exponential
 * backoff. A call is pinned to one server (its conference lives there); new calls go
 * to the connected server with the fewest sessions.
 */

export class MediaUnavailableError extends Error {
  readonly code = 'media_unavailable';
  override readonly name = 'MediaUnavailableError';
}

export interface MediaServerSettings {
  hosts: string[];
  port: number;
  password: string;
  listenAddress: string;
  listenPort: number;
  profile?: string;
}

interface Slot {
  host: string;
  server?: FsMediaServer;
  lastError?: string;
  retryMs: number;
  timer?: NodeJS.Timeout;
}

const MIN_RETRY_MS = 500;
const MAX_RETRY_MS = 15_000;

export class MediaServerPool {
  private readonly slots: Slot[];
  private readonly mrf: InstanceType<typeof Mrf>;
  private stopped = false;

  constructor(
    srf: Srf,
    private readonly settings: MediaServerSettings,
    private readonly log: Logger,
  ) {
    this.mrf = new Mrf(srf);
    this.slots = settings.hosts.map((host) => ({ host, retryMs: MIN_RETRY_MS }));
  }

  start(): void {
    // Each server listens for FreeSWITCH's outbound sockets on its own port.
    this.slots.forEach((slot, i) => void this.connect(slot, this.settings.listenPort + i));
  }

  private async connect(slot: Slot, listenPort: number): Promise<void> {
    if (this.stopped) return;
    try {
      const ms = await this.mrf.connect({
        address: slot.host,
        port: this.settings.port,
        secret: this.settings.password,
        listenAddress: this.settings.listenAddress,
        listenPort,
        ...(this.settings.profile ? { profile: this.settings.profile } : {}),
      });
      noDelay(ms.conn);
      slot.server = ms;
      slot.retryMs = MIN_RETRY_MS;
      delete slot.lastError;
      this.log.info({ host: slot.host }, 'freeswitch connected');
      ms.once('end', () => {
        this.log.error({ host: slot.host }, 'freeswitch connection lost; reconnecting');
        slot.lastError = 'connection lost';
        delete slot.server;
        try {
          ms.disconnect();
        } catch {
          /* already closed */
        }
        this.retry(slot, listenPort);
      });
    } catch (err) {
      slot.lastError = (err as Error).message ?? String(err);
      this.log.warn({ host: slot.host, err: slot.lastError, retryMs: slot.retryMs }, 'freeswitch connect failed');
      this.retry(slot, listenPort);
    }
  }

  private retry(slot: Slot, listenPort: number): void {
    if (this.stopped) return;
    slot.timer = setTimeout(() => void this.connect(slot, listenPort), slot.retryMs);
    slot.retryMs = Math.min(slot.retryMs * 2, MAX_RETRY_MS);
  }

  /** The least-loaded connected server, for a new call. */
  pick(): FsMediaServer {
    const up = this.slots.map((s) => s.server).filter((s): s is FsMediaServer => !!s && s.connected());
    if (up.length === 0) throw new MediaUnavailableError('no FreeSWITCH server is connected');
    return up.reduce((a, b) => ((a.currentSessions ?? 0) <= (b.currentSessions ?? 0) ? a : b));
  }

  health(): { ok: boolean; detail: string } {
    const up = this.slots.filter((s) => s.server?.connected());
    const down = this.slots.filter((s) => !s.server?.connected()).map((s) => `${s.host}: ${s.lastError ?? 'connecting'}`);
    return { ok: up.length > 0, detail: up.length > 0 ? `${up.length}/${this.slots.length} connected` : down.join('; ') };
  }

  servers(): FsMediaServer[] {
    return this.slots.map((s) => s.server).filter((s): s is FsMediaServer => !!s);
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.slots) {
      if (s.timer) clearTimeout(s.timer);
      try {
        s.server?.disconnect();
      } catch {
        /* closing anyway */
      }
    }
  }
}
