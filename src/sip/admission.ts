import type Srf from 'drachtio-srf';
import type { AdmissionRequest } from '../domain';
import type { SipContext } from './context';

/**
 * Admission control at an INVITE's door: past capacity, 503 with Retry-After before
 * anything is started for the call (no endpoint, no Redis write), so the trunk can
 * send the call elsewhere at once (RFC 3261 §21.5.4) and the calls already up keep
 * their share of FreeSWITCH. Returns true when the INVITE was refused.
 */
export function refusedForLoad(ctx: SipContext, res: Srf.SrfResponse, request: Omit<AdmissionRequest, 'kind'>): boolean {
  const d = ctx.admission.check({ kind: 'call', ...request });
  if (d.admit) return false;
  // Counted in /metrics (coachline_admission_decisions_total); a log line per refusal
  // would add work exactly when there is too much.
  ctx.log.debug({ reason: d.reason }, 'INVITE refused: at capacity');
  res.send(503, 'Service Unavailable', {
    headers: { 'Retry-After': String(d.retryAfterSec), Reason: `SIP;cause=503;text="overloaded: ${d.reason}"` },
  });
  return true;
}
