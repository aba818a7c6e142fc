import { NumberEntry, User, addRinging, participantAnswered, participantLeft } from '../domain';
import type { SipContext } from './context';
import { DialFailedError } from './dial';
import { adoptLeg, dialParticipant, dropDialed } from './participant-legs';
import type { LiveCall } from './live-call';
import { reachDevice } from './reach';

/**
 * Who a customer call rings: the number's distribution members with the agent role,
 * available, on a SIP phone. Supervisors and admins are in distributions to supervise
 * them and are never rung; nor is a phone behind the trunk (a mobile's voicemail would
 * take the customer, and every ring would cost trunk minutes).
 */
export async function availableAgents(ctx: SipContext, number: NumberEntry): Promise<User[]> {
  const users = await Promise.all(number.distribution.map((id) => ctx.directory.user(id)));
  const onCall = await agentsOnCalls(ctx, number.distribution);
  const out: User[] = [];
  for (const u of users) {
    if (!u || u.role !== 'agent' || !u.device || u.device.kind === 'remote_number' || onCall.has(u.id)) continue;
    if ((await ctx.directory.status(u.id)) !== 'available') continue;
    out.push(u);
  }
  return out;
}

/** Whether a directory user is ringing or talking on a call, here or on another instance. */
export async function isOnACall(ctx: SipContext, userId: string): Promise<boolean> {
  return (await agentsOnCalls(ctx, [userId])).has(userId);
}

/**
 * Which of `userIds` are ringing or talking on a call: one call at a time per agent.
 * This instance's calls are known here, at once; another instance's are in the shared
 * call index (with several instances on one drachtio-server, consecutive calls land on
 * different instances). Redis away: only this instance's calls count, and the call goes
 * on rather than fail for it.
 */
async function agentsOnCalls(ctx: SipContext, userIds: readonly string[]): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const live of ctx.calls.all()) {
    for (const p of live.call.participants) if (p.userId && p.status !== 'left') ids.add(p.userId);
  }
  const rest = userIds.filter((id) => !ids.has(id));
  if (rest.length === 0) return ids;
  try {
    for (const id of await ctx.directory.busyAgents(rest)) ids.add(id);
  } catch (err) {
    ctx.log.warn({ err }, 'cannot read which agents are on other instances’ calls; counting this instance’s only');
  }
  return ids;
}

/**
 * Ring-all: every agent is dialed at once; the first to answer is joined and the
 * others are CANCELled. Resolves with the participant id that answered, or undefined.
 */
export async function ringAll(ctx: SipContext, live: LiveCall, agents: User[]): Promise<string | undefined> {
  let winner: string | undefined;
  const attempts = agents.map(async (agent) => {
    const reach = await reachDevice(agent, agent.device, ctx.registrations, ctx.settings);
    if (reach.kind === 'unreachable') return;
    const pid = live.nextParticipantId('a');
    await live.update({ type: 'agent_ringing', actor: pid, detail: { userId: agent.id } }, (c) =>
      addRinging(c, { id: pid, kind: 'internal', userId: agent.id, address: reach.uri, origin: 'call' }),
    );
    try {
      const dialed = await dialParticipant(ctx, live, pid, reach.uri);
      if (winner || !ctx.calls.get(live.id)) {
        await dropDialed(dialed);
        await live.update({ type: 'agent_not_needed', actor: pid }, (c) => participantLeft(c, pid));
        return;
      }
      winner = pid;
      for (const [other, cancel] of live.pending) if (other !== pid) cancel();
      adoptLeg(ctx, live, pid, dialed);
      await live.update({ type: 'agent_answered', actor: pid, detail: { userId: agent.id } }, (c) => participantAnswered(c, pid));
    } catch (err) {
      const outcome = err instanceof DialFailedError ? err.outcome : 'unreachable';
      if (ctx.calls.get(live.id)) {
        await live.update({ type: 'agent_missed', actor: pid, detail: { userId: agent.id, outcome } }, (c) => participantLeft(c, pid));
      }
    }
  });
  await Promise.all(attempts);
  return winner;
}
