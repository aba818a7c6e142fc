import pino from 'pino';
import t from 'tap';
import type Srf from 'drachtio-srf';
import type { AdmissionDecision, AdmissionRequest } from '../../src/domain';
import { refusedForLoad } from '../../src/sip/admission';
import type { SipContext } from '../../src/sip/context';

/** The INVITE's door (src/sip/admission.ts): past capacity, 503 with Retry-After and the reason; within it, nothing sent. */

function door(decision: AdmissionDecision): { ctx: SipContext; asked: AdmissionRequest[]; sent: unknown[][] } {
  const asked: AdmissionRequest[] = [];
  const sent: unknown[][] = [];
  const ctx = { admission: { check: (r: AdmissionRequest) => (asked.push(r), decision) }, log: pino({ level: 'silent' }) } as unknown as SipContext;
  return { ctx, asked, sent };
}

const res = (sent: unknown[][]): Srf.SrfResponse => ({ send: (...a: unknown[]) => void sent.push(a) }) as unknown as Srf.SrfResponse;

t.test('a refusal is a 503 with Retry-After and a Reason naming the limit', async (t) => {
  const d = door({ admit: false, reason: 'max_calls', retryAfterSec: 3, message: 'at capacity' });
  t.equal(refusedForLoad(d.ctx, res(d.sent), { emergency: false }), true);
  t.same(d.asked, [{ kind: 'call', emergency: false }]);
  t.same(d.sent, [[503, 'Service Unavailable', { headers: { 'Retry-After': '3', Reason: 'SIP;cause=503;text="overloaded: max_calls"' } }]]);
});

t.test('an admitted call sends nothing here', async (t) => {
  const d = door({ admit: true, reason: 'emergency' });
  t.equal(refusedForLoad(d.ctx, res(d.sent), { emergency: true }), false);
  t.same(d.asked, [{ kind: 'call', emergency: true }]);
  t.same(d.sent, []);
});
