import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { SipRefusal } from './offer';
import { ALLOW } from './routes';

/**
 * The last layer of coachline's SIP middleware: a request that reaches the app and
 * that neither a dialog nor a route in routes.ts answered still gets a final response,
 * where drachtio-srf's default would be 404 (even to a BYE) or, for UPDATE, nothing.
 *
 * What reaches the app at all is drachtio-server's choice (read in 0.9.4 and at its
 * upstream head, `processMessageStatelessly` in controller.cpp; verified on the wire):
 * outside a dialog it forwards INVITE, REGISTER, MESSAGE, OPTIONS, INFO, NOTIFY,
 * SUBSCRIBE and PUBLISH — 503 when no app registered the method —, answers BYE, UPDATE
 * and CANCEL 481 itself, and discards everything else without a response: REFER, PRACK
 * and unknown methods never reach coachline, whatever it registers. Inside a dialog it
 * forwards every request to the app that owns the dialog.
 */

/** Methods that mean something only inside a dialog (or a transaction) coachline does not have. */
const DIALOG_ONLY = new Set(['BYE', 'CANCEL', 'UPDATE', 'INFO', 'NOTIFY', 'REFER']);
/** The other methods of RFC 3261 and its extensions that coachline knows but takes nowhere else. */
const KNOWN = new Set(['INVITE', 'REGISTER', 'OPTIONS', 'SUBSCRIBE', 'PUBLISH', 'MESSAGE']);

/**
 * The answer to a request nothing else answered; undefined for ACK, which never gets
 * one. A request with a To tag names a dialog: it gets 481 whatever its method.
 */
export function unroutedAnswer(method: string, toTagged: boolean): SipRefusal | undefined {
  const m = method.toUpperCase();
  if (m === 'ACK') return undefined;
  // drachtio-server hands the app only a PRACK that matched a reliable provisional
  // response it sent (uasPrack): it is acknowledged, as drachtio-srf's default did.
  if (m === 'PRACK') return { status: 200, reason: 'OK', headers: {} };
  if (toTagged || DIALOG_ONLY.has(m)) return { status: 481, reason: 'Call/Transaction Does Not Exist', headers: {} };
  if (KNOWN.has(m)) return { status: 405, reason: 'Method Not Allowed', headers: { Allow: ALLOW } };
  return { status: 501, reason: 'Not Implemented', headers: { Allow: ALLOW } };
}

/** The middleware: registered after every route (srf.use keeps the order). */
export function answerUnrouted(log: Logger): (req: Srf.SrfRequest, res: Srf.SrfResponse) => void {
  return (req, res) => {
    if (res.finalResponseSent) return;
    const answer = unroutedAnswer(req.method, /;\s*tag=/i.test(req.get('To') ?? ''));
    if (!answer) return;
    log.info({ method: req.method.slice(0, 32), source: req.source_address, status: answer.status }, 'SIP request with no route answered');
    res.send(answer.status, answer.reason, { headers: answer.headers });
  };
}
