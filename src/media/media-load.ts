import type { Logger } from 'pino';
import type { MediaLoad } from '../domain';
import type { FsMediaServer } from './fsmrf-types';

/**
 * What each connected FreeSWITCH says of its load, polled with the `status` API every
 * second: its session count (all apps on it) and its idle CPU. FreeSWITCH refreshes its
 * idle figure once a second (switch_time.c); fsmrf's own copy of both comes from the
 * HEARTBEAT event, every 20 s by default — 400 calls late at 20 calls/s.
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
  private polling = false;

  constructor(
    private readonly servers: () => FsMediaServer[],
    private readonly log: Logger,
    private readonly intervalMs = 1000,
    private readonly now: () => number = Date.now,
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
    // A server slow to answer must not pile up polls behind it.
    if (this.polling) return;
    this.polling = true;
    try {
      const up = this.servers().filter((s) => s.connected());
      for (const known of [...this.samples.keys()]) if (!up.includes(known)) this.samples.delete(known);
      await Promise.all(
        up.map(async (server) => {
          try {
            const figures = parseStatus(await server.api('status'));
            if (figures) this.samples.set(server, { ...figures, host: server.address, at: this.now() });
          } catch (err) {
            this.log.warn({ host: server.address, err: (err as Error).message }, 'freeswitch status poll failed');
          }
        }),
      );
    } finally {
      this.polling = false;
    }
  }

  readings(): MediaLoad[] {
    const now = this.now();
    return [...this.samples.values()].map((s) => ({ host: s.host, sessions: s.sessions, idleCpuPct: s.idleCpuPct, ageMs: now - s.at }));
  }
}
