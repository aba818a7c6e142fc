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

  // Commands run by the instance that owns the call or session (src/app/forwarding.ts).
  readonly forwarded = new Counter({
    name: 'coachline_forwarded_commands_total',
    help: 'Commands forwarded to the instance owning the call or session, by op and result (ok, refused, unavailable)',
    labelNames: ['op', 'result'] as const,
    registers: [this.registry],
  });

  readonly forwardSeconds = new Histogram({
    name: 'coachline_forwarded_command_duration_seconds',
    help: 'Round trip of a forwarded command to its owner and back',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly sseClients = new Gauge({
    name: 'coachline_sse_clients',
    help: 'Connected event stream clients',
    registers: [this.registry],
  });

  // SIP digest guessing (src/sip/auth-throttle.ts): each failure is also one JSON log line.
  readonly sipAuthFailures = new Counter({
    name: 'coachline_sip_auth_failures_total',
    help: 'SIP digest authentications that failed (wrong password, unknown user), by method',
    labelNames: ['method'] as const,
    registers: [this.registry],
  });

  readonly sipAuthThrottled = new Counter({
    name: 'coachline_sip_auth_throttled_total',
    help: 'SIP requests refused with 503 unchecked, their username or source address having failed too often, by method and which',
    labelNames: ['method', 'by'] as const,
    registers: [this.registry],
  });

  // Admission control (src/app/admission.ts): every decision, and the readings behind them.
  readonly admissions = new Counter({
    name: 'coachline_admission_decisions_total',
    help: 'New calls and supervision starts admitted or refused by admission control, by reason',
    labelNames: ['kind', 'result', 'reason'] as const,
    registers: [this.registry],
  });

  readonly admissionCalls = new Gauge({
    name: 'coachline_admission_calls',
    help: 'Calls of this instance with media in FreeSWITCH, as admission control counts them',
    registers: [this.registry],
  });

  readonly admissionLoopDelay = new Gauge({
    name: 'coachline_admission_event_loop_delay_seconds',
    help: 'Event-loop delay, p99 over the last second',
    registers: [this.registry],
  });

  readonly admissionMediaSessions = new Gauge({
    name: 'coachline_admission_media_sessions',
    help: 'FreeSWITCH sessions (all apps), from its status polled every second',
    labelNames: ['host'] as const,
    registers: [this.registry],
  });

  readonly admissionMediaIdleCpu = new Gauge({
    name: 'coachline_admission_media_idle_cpu_ratio',
    help: 'Idle CPU FreeSWITCH reports (0-1), polled every second',
    labelNames: ['host'] as const,
    registers: [this.registry],
  });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'coachline_' });
  }
}
