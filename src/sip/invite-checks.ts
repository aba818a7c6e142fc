/**
 * What an out-of-dialog INVITE must carry before coachline starts anything for it
 * (RFC 3261): a Contact (§8.1.1.8) — without one, an answered call could never be
 * reached again (its BYE, re-INVITEs), so it is refused, never answered and dropped —
 * and a Max-Forwards above 0, since a B2BUA starts a new request from it (§16.3:
 * 483 Too Many Hops).
 */
export interface InviteRefusal {
  status: 400 | 483;
  reason: string;
}

export function inviteRefusal(header: (name: string) => string | undefined): InviteRefusal | undefined {
  const maxForwards = header('Max-Forwards');
  if (maxForwards !== undefined && /^\s*\d+\s*$/.test(maxForwards) && Number(maxForwards) === 0) {
    return { status: 483, reason: 'Too Many Hops' };
  }
  const contact = header('Contact');
  if (!contact || !/<?\s*sips?:/i.test(contact)) return { status: 400, reason: 'Missing Contact header' };
  return undefined;
}
