import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus instruments, on a registry of their own (not prom-client's global one),
 * so several app instances can live in one process (tests) without clashing.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Histogram({
    name: 'coachline_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly sessionsStarted = new Counter({
    name: 'coachline_supervision_sessions_started_total',
    help: 'Supervision sessions started (supervisor dialed), by mode',
    labelNames: ['mode'] as const,
    registers: [this.registry],
  });

  readonly sessionsFinished = new Counter({
    name: 'coachline_supervision_sessions_finished_total',
    help: 'Supervision sessions finished, by final state and reason',
    labelNames: ['state', 'reason'] as const,
    registers: [this.registry],
  });

  readonly refusals = new Counter({
    name: 'coachline_supervision_refusals_total',
    help: 'Supervision requests refused, by code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly modeSwitches = new Counter({
    name: 'coachline_supervision_mode_switches_total',
    help: 'Mode switches on live sessions, by new mode and source (api, dtmf)',
    labelNames: ['mode', 'via'] as const,
    registers: [this.registry],
  });

  readonly planApplications = new Counter({
    name: 'coachline_media_plan_applications_total',
    help: 'Media plans sent to the media port, by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly liveSessions = new Gauge({
    name: 'coachline_supervision_sessions_live',
    help: 'Live supervision sessions owned by this instance',
    registers: [this.registry],
  });

  readonly liveCalls = new Gauge({
    name: 'coachline_calls_live',
    help: 'Live calls owned by this instance',
    registers: [this.registry],
  });

  readonly sseClients = new Gauge({
    name: 'coachline_sse_clients',
    help: 'Connected event stream clients',
    registers: [this.registry],
  });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'coachline_' });
  }
}
