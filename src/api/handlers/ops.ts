import type { Check, Ready } from '../../contract';
import { optionalUser } from '../auth';
import type { HealthProbe } from '../deps';
import type { RouteContext, RouteSchema, Success } from '../route';

const PROBE_TIMEOUT_MS = 1000;

async function probe(fn: HealthProbe): Promise<Check> {
  const t0 = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const r = await Promise.race([
      Promise.resolve().then(fn),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS))),
    ]);
    return { ok: r.ok, ...(r.detail ? { detail: r.detail } : {}), latencyMs: Date.now() - t0 };
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err), latencyMs: Date.now() - t0 };
  } finally {
    clearTimeout(timer);
  }
}

type Ctx = RouteContext<RouteSchema, 'public'>;

/**
 * Anyone learns up or down per dependency; the details (addresses, errors, latencies)
 * are for an admin's token only, since they map the internal network.
 */
export async function readiness({ deps, request }: Ctx): Promise<Success<{ response: { 200: typeof Ready; 503: typeof Ready } }>> {
  const [redis, drachtio, freeswitch, viewer] = await Promise.all([
    probe(async () => ({ ok: true, detail: `ping ${(await deps.store.ping()).toFixed(1)} ms` })),
    probe(deps.health.drachtio),
    probe(deps.health.freeswitch),
    optionalUser(request, deps.directory, deps.authThrottle).catch(() => undefined),
  ]);
  const shown = (c: Check): Check => (viewer?.role === 'admin' ? c : { ok: c.ok });
  const body: Ready = { ready: redis.ok && drachtio.ok && freeswitch.ok, checks: { redis: shown(redis), drachtio: shown(drachtio), freeswitch: shown(freeswitch) } };
  return body.ready ? { status: 200, body } : ({ status: 503, body } as never);
}

export async function metricsText({ deps, reply }: Ctx): Promise<{ status: 200; body: string }> {
  void reply.header('content-type', deps.metrics.registry.contentType);
  return { status: 200, body: await deps.metrics.registry.metrics() };
}

export async function openApi({ request }: Ctx): Promise<{ status: 200; body: Record<string, unknown> }> {
  return { status: 200, body: (request.server as unknown as { swagger(): Record<string, unknown> }).swagger() };
}
