import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import {
  ADMISSION_REASONS,
  decideAdmission,
  type AdmissionDecision,
  type AdmissionReadings,
  type AdmissionRequest,
  type AdmissionSettings,
  type MediaLoad,
} from '../domain';
import type { Metrics } from './metrics';

/**
 * Admission control's readings and bookkeeping around the pure decision
 * (src/domain/admission.ts): this instance's call count, each FreeSWITCH's last
 * `status` (src/media/media-load.ts) and the event loop's delay, read on every
 * check without I/O, so a refusal costs microseconds; every decision is counted in
 * /metrics, and the readings are exported there each second.
 */

export interface AdmissionPort {
  check(request: AdmissionRequest): AdmissionDecision;
}

/** Admits everything: what a service built without admission control (tests) gets. */
export const ADMIT_ALL: AdmissionPort = { check: () => ({ admit: true, reason: 'within_limits' }) };

export interface AdmissionSources {
  /** Calls of this instance with media, from the first leg to the last. */
  calls(): number;
  media(): MediaLoad[];
}

/** The loop's delay is read as the p99 of the last window: one slow tick is no overload. */
const LOOP_WINDOW_MS = 1000;

export class AdmissionControl implements AdmissionPort {
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private loopDelayMs = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly settings: AdmissionSettings,
    private readonly sources: AdmissionSources,
    private readonly metrics: Metrics,
  ) {
    // Every label set exists from the start, so a dashboard shows 0 rather than nothing.
    for (const kind of ['call', 'supervision'] as const) {
      metrics.admissions.inc({ kind, result: 'admitted', reason: 'within_limits' }, 0);
      for (const reason of ADMISSION_REASONS) metrics.admissions.inc({ kind, result: 'refused', reason }, 0);
    }
    metrics.admissions.inc({ kind: 'call', result: 'admitted', reason: 'emergency' }, 0);
  }

  start(): void {
    this.loop.enable();
    this.timer = setInterval(() => this.tick(), LOOP_WINDOW_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.loop.disable();
  }

  /** Closes the event-loop window and exports the readings (the timer's job). */
  tick(): void {
    this.loopDelayMs = this.loop.count > 0 ? this.loop.percentile(99) / 1e6 : 0;
    this.loop.reset();
    const r = this.readings();
    this.metrics.admissionCalls.set(r.calls);
    this.metrics.admissionLoopDelay.set(r.eventLoopDelayMs / 1000);
    this.metrics.admissionMediaSessions.reset();
    this.metrics.admissionMediaIdleCpu.reset();
    for (const m of r.media) {
      this.metrics.admissionMediaSessions.set({ host: m.host }, m.sessions);
      this.metrics.admissionMediaIdleCpu.set({ host: m.host }, m.idleCpuPct / 100);
    }
  }

  readings(): AdmissionReadings {
    return { calls: this.sources.calls(), media: this.sources.media(), eventLoopDelayMs: this.loopDelayMs };
  }

  check(request: AdmissionRequest): AdmissionDecision {
    const d = decideAdmission(this.readings(), this.settings, request);
    this.metrics.admissions.inc({ kind: request.kind, result: d.admit ? 'admitted' : 'refused', reason: d.reason });
    return d;
  }
}
