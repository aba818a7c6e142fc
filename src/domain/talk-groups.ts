import { Call, Participant, connected } from './call';

/**
 * Talk groups: the sets of connected participants who talk with each other right now
 * (SPEC §2). Active: {customer, agents}. Hold: {customer} and each holding agent alone.
 * Transfer under way: {customer} and {transferring agent, consulted agent}. Transfer
 * completed: {customer, new agent} and {transferring agent} until that agent leaves.
 */
export interface TalkGroup {
  members: string[];
  /** The customer side of the call: hold music and ringback are played only here. */
  customerSide: boolean;
}

export function talkGroups(call: Call): TalkGroup[] {
  if (call.ended) return [];
  const live = connected(call);
  const apart = new Set<string>();
  const groups: TalkGroup[] = [];
  const t = call.transfer;

  if (t) {
    // The transferring agent is apart from the customer from the REFER on; while
    // consulting, the consulted target is with that agent, not with the customer.
    const side = [t.by, ...(t.phase === 'consulting' ? [t.target] : [])].filter((id) =>
      live.some((p) => p.id === id),
    );
    side.forEach((id) => apart.add(id));
    if (side.length > 0) groups.push({ members: side, customerSide: false });
  }

  const rest = live.filter((p) => !apart.has(p.id));
  const customerSide: Participant[] = [];
  for (const p of rest) {
    // An agent who put their own leg on hold talks to nobody (but to a coach or barger).
    if (p.kind === 'internal' && p.held) groups.push({ members: [p.id], customerSide: false });
    else customerSide.push(p);
  }
  if (customerSide.length > 0) groups.unshift({ members: customerSide.map((p) => p.id), customerSide: true });
  return groups.map((g) => ({ ...g, members: [...g.members].sort() }));
}

export function groupOf(groups: TalkGroup[], participantId: string): TalkGroup | undefined {
  return groups.find((g) => g.members.includes(participantId));
}

/**
 * The customer side is waiting (hold music) when the call is answered, no agent is on
 * that side, and the agents are away by hold or transfer — not when a transfer to an
 * external number left two externals talking.
 */
export function customerIsWaiting(call: Call, group: TalkGroup): boolean {
  if (!group.customerSide || !call.answered || call.ended) return false;
  const members = call.participants.filter((p) => group.members.includes(p.id));
  if (members.some((p) => p.kind === 'internal')) return false;
  if (call.transfer && call.transfer.phase !== 'completed') return true;
  return connected(call).some((p) => p.kind === 'internal' && p.held);
}

/** Before any agent answers, the customer side hears ringback. */
export function customerIsRinging(call: Call, group: TalkGroup): boolean {
  return group.customerSide && !call.answered && !call.ended;
}
