import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import { FsMediaServer, Mrf, MrfInstance, noDelay } from './fsmrf-types';
import { connectMediaServer } from './fsmrf-connect';
import { Heartbeats } from './heartbeat';

/**
 * Connections to one or more FreeSWITCH servers, each kept up with exponential
 * backoff. A call is pinned to one server (its conference lives there); new calls go
 * to the live server with the fewest sessions, live meaning connected and beating
 * (heartbeat.ts): a hung FreeSWITCH keeps its socket open but stops answering.
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
  /** A server silent for longer than this is down for new calls and /readyz (FREESWITCH_HEARTBEAT_TIMEOUT_MS). */
  heartbeatTimeoutMs: number;
}

export type MediaServerState = 'up' | 'not_answering' | 'down';

interface Slot {
  host: string;
  server?: FsMediaServer;
  lastError?: string;
  retryMs: number;
  timer?: NodeJS.Timeout;
  /** The state last logged, so a change is logged once. */
  logged: MediaServerState;
}

function closingFailures(mrf: MrfInstance): MrfInstance {
  return { connect: (o) => connectMediaServer(mrf, o) };
}

const MIN_RETRY_MS = 500;
const MAX_RETRY_MS = 15_000;

export class MediaServerPool {
  private readonly slots: Slot[];
  private readonly mrf: MrfInstance;
  private stopped = false;
  private watch: NodeJS.Timeout | undefined;
  /** Beaten by the status poll (media-load.ts) and by each new connection. */
  readonly heartbeats: Heartbeats<FsMediaServer>;

  constructor(
    srf: Srf,
    private readonly settings: MediaServerSettings,
    private readonly log: Logger,
    now: () => number = Date.now,
    // Injected by tests; the app connects through drachtio-fsmrf, closing failed attempts (fsmrf-connect.ts).
    mrf: MrfInstance = closingFailures(new Mrf(srf)),
  ) {
    this.mrf = mrf;
    this.slots = settings.hosts.map((host) => ({ host, retryMs: MIN_RETRY_MS, logged: 'down' }));
    this.heartbeats = new Heartbeats(settings.heartbeatTimeoutMs, now);
  }

  start(): void {
    // Each server listens for FreeSWITCH's outbound sockets on its own port.
    this.slots.forEach((slot, i) => void this.connect(slot, this.settings.listenPort + i));
    // Nothing else would say when a hung server stops (or starts again) being picked.
    this.watch = setInterval(() => this.logChanges(), 1000);
    this.watch.unref();
  }

  private state(slot: Slot): MediaServerState {
    if (!slot.server?.connected()) return 'down';
    return this.heartbeats.overdue(slot.server) ? 'not_answering' : 'up';
  }

  private logChanges(): void {
    for (const slot of this.slots) {
      const state = this.state(slot);
      if (state === slot.logged) continue;
      const was = slot.logged;
      slot.logged = state;
      // A lost connection is logged where it is noticed; a silence only here.
      if (state === 'not_answering') {
        this.log.error({ host: slot.host, silentMs: slot.server && this.heartbeats.silentMs(slot.server) }, 'freeswitch not answering; no new calls go to it');
      } else if (state === 'up' && was === 'not_answering') {
        this.log.warn({ host: slot.host }, 'freeswitch answering again; new calls go to it');
      }
    }
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
      this.heartbeats.beat(ms);
      slot.server = ms;
      slot.retryMs = MIN_RETRY_MS;
      delete slot.lastError;
      this.log.info({ host: slot.host }, 'freeswitch connected');
      ms.once('end', () => {
        this.log.error({ host: slot.host }, 'freeswitch connection lost; reconnecting');
        slot.lastError = 'connection lost';
        delete slot.server;
        this.heartbeats.forget(ms);
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

  /** Where a server's session count comes from: fsmrf's own is HEARTBEAT's, 20 s old (media-load.ts polls every second). */
  private sessionsOf: (server: FsMediaServer) => number | undefined = () => undefined;
  private picks = 0;

  loadFrom(sessionsOf: (server: FsMediaServer) => number | undefined): void {
    this.sessionsOf = sessionsOf;
  }

  /** The least-loaded live server, for a new call. */
  pick(): FsMediaServer {
    const up = this.slots.filter((s) => this.state(s) === 'up').map((s) => s.server!);
    if (up.length === 0) {
      const hung = this.slots.some((s) => this.state(s) === 'not_answering');
      throw new MediaUnavailableError(hung ? 'no FreeSWITCH server answers its event socket' : 'no FreeSWITCH server is connected');
    }
    const load = (s: FsMediaServer): number => this.sessionsOf(s) ?? s.currentSessions ?? 0;
    // Ties go round the servers: calls arriving between two polls are spread, not all sent to the first.
    const first = this.picks++ % up.length;
    const order = [...up.slice(first), ...up.slice(0, first)];
    return order.reduce((a, b) => (load(b) < load(a) ? b : a));
  }

  /** Ready while one server is live; the detail names each server's state (admins see it in /readyz). */
  health(): { ok: boolean; detail: string } {
    const states = this.slots.map((s) => ({ slot: s, state: this.state(s) }));
    const up = states.filter((s) => s.state === 'up').length;
    const each = states.map(({ slot, state }) => `${slot.host}: ${this.describe(slot, state)}`);
    return { ok: up > 0, detail: `${up}/${this.slots.length} up; ${each.join('; ')}` };
  }

  private describe(slot: Slot, state: MediaServerState): string {
    if (state === 'up') return 'up';
    if (state === 'not_answering') {
      const silent = slot.server ? this.heartbeats.silentMs(slot.server) : undefined;
      return `down (connected, not answering for ${((silent ?? 0) / 1000).toFixed(1)} s)`;
    }
    return `down (${slot.lastError ?? 'connecting'})`;
  }

  servers(): FsMediaServer[] {
    return this.slots.map((s) => s.server).filter((s): s is FsMediaServer => !!s);
  }

  stop(): void {
    this.stopped = true;
    if (this.watch) clearInterval(this.watch);
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
