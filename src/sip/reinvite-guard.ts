import type { SipRefusal } from './offer';

/**
 * One INVITE transaction at a time in a dialog (RFC 3261 §14). While a re-INVITE
 * from the far end has no final response yet, a second one gets 500 with a Retry-After
 * of 0–10 s chosen at random (§14.2); while one coachline sent is outstanding, the far
 * end's gets 491 Request Pending (glare). coachline sends no re-INVITE on a phone's
 * dialog today (only BYE and REFER's NOTIFYs), so only the first case occurs; the rule
 * is written whole so that one added later gets glare right.
 */
export type InviteInProgress = 'none' | 'received' | 'sent';

export function reinviteRefusal(inProgress: InviteInProgress, random: () => number = Math.random): SipRefusal | undefined {
  if (inProgress === 'received') {
    return { status: 500, reason: 'Server Internal Error', headers: { 'Retry-After': String(Math.min(10, Math.floor(random() * 11))) } };
  }
  if (inProgress === 'sent') return { status: 491, reason: 'Request Pending', headers: {} };
  return undefined;
}
