import type { Logger } from 'pino';
import type { MediaLoad } from '../domain';
import type { FsMediaServer } from './fsmrf-types';
import type { Heartbeats } from './heartbeat';

/**
 * What each connected FreeSWITCH says of its load, polled with the `status` API every
 * second: its session count (all apps on it) and its idle CPU. FreeSWITCH refreshes its
 * idle figure once a second (switch_time.c); fsmrf's own copy of both comes from the
 * HEARTBEAT event, every 20 s by default — 400 calls late at 20 calls/s.
 * Every answer is also the server's heartbeat (heartbeat.ts): one that stops answering
 * is taken out of the pool for new calls.
 */

export interface StatusFigures {
  sessions: number;
  idleCpuPct: number;
}

/** The figures in `status` output ("N session(s) - peak …", "min idle cpu MIN/IDLE"); undefined if either is missing. */
export function parseStatus(text: string): StatusFigures | undefined {
  const sessions = /^\s*(\d+) session\(s\) - peak/m.exec(text)?.[1];
  const idle = /min idle cpu [\d.]+\/([\d.]+)/.exec(text)?.[1];
  if (sessions === undefined || idle === undefined) return undefined;
  return { sessions: Number(sessions), idleCpuPct: Number(idle) };
}

interface Sample extends StatusFigures {
  host: string;
  at: number;
}

export class MediaLoadMonitor {
  private readonly samples = new Map<FsMediaServer, Sample>();
  private timer: NodeJS.Timeout | undefined;
  /** Per server: a hung one must not hold up the polls (and heartbeats) of the others. */
  private readonly polling = new Set<FsMediaServer>();

  constructor(
    private readonly servers: () => FsMediaServer[],
    private readonly log: Logger,
    private readonly intervalMs = 1000,
    private readonly now: () => number = Date.now,
    private readonly beats?: Heartbeats<FsMediaServer>,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One poll of every connected server (the timer's job; tests call it directly). */
  async poll(): Promise<void> {
    const up = this.servers().filter((s) => s.connected());
    for (const known of [...this.samples.keys()]) if (!up.includes(known)) this.samples.delete(known);
    // A server still answering the last poll is not asked again: polls would pile up behind it.
    await Promise.all(up.filter((s) => !this.polling.has(s)).map((s) => this.pollOne(s)));
  }

  private async pollOne(server: FsMediaServer): Promise<void> {
    this.polling.add(server);
    try {
      const text = await server.api('status');
      // Any answer, even one without figures, says the server is alive.
      this.beats?.beat(server);
      const figures = parseStatus(text);
      if (figures) this.samples.set(server, { ...figures, host: server.address, at: this.now() });
    } catch (err) {
      this.log.warn({ host: server.address, err: (err as Error).message }, 'freeswitch status poll failed');
    } finally {
      this.polling.delete(server);
    }
  }

  /** The server's session count at its last answer (undefined before the first). */
  sessionsOf(server: FsMediaServer): number | undefined {
    return this.samples.get(server)?.sessions;
  }

  readings(): MediaLoad[] {
    const now = this.now();
    return [...this.samples.values()].map((s) => ({ host: s.host, sessions: s.sessions, idleCpuPct: s.idleCpuPct, ageMs: now - s.at }));
  }
}
