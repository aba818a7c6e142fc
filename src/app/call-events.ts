import { Call, SessionEvent, asJoined, endCall, heardByTarget, isLive } from '../domain';
import type { CallRecord, SessionRecord } from '../store';
import { SessionOps } from './session-ops';

/** What the SIP adapter says happened to a call (recorded on its timeline). */
export interface CallChange {
  type: string;
  /** Participant id or directory user id that caused it, when known. */
  actor?: string;
  detail?: Record<string, unknown>;
}

/**
 * The SIP adapter's report that a call changed (answer, hold, transfer, leave, end…),
 * run in the call's queue: persist it, put it on the timeline, end the sessions whose
 * target left or whose call ended, and bring the conference to the new plan.
 */
export async function handleCallChanged(ops: SessionOps, call: Call, change: CallChange): Promise<void> {
  const { store, clock, instanceId, metrics } = ops.d;
  const previous = ops.ownedCalls.get(call.id) ?? (await store.calls.get(call.id));
  if (previous?.call.ended && !call.ended && !ops.ownedCalls.has(call.id)) {
    // Ended for everyone while this instance could not beat (instance-reaper.ts): a
    // change on its SIP side must not bring it back to the listings; its end is due.
    ops.logger(call.id).warn({ change: change.type }, 'a change on a call already ended elsewhere; not saved');
    return;
  }
  const now = ops.now();
  const rec: CallRecord = {
    call,
    owner: instanceId,
    startedAt: previous?.startedAt ?? now,
    updatedAt: now,
    ...(call.ended ? { endedAt: previous?.endedAt ?? now } : {}),
  };
  // Before the save: a lease renewal that starts while the save is on the wire must
  // already see the call as it is now (ended: not renewed), never as it was.
  if (call.ended) ops.ownedCalls.delete(call.id);
  else ops.ownedCalls.set(call.id, rec);
  await store.calls.save(rec, previous, clock.now());
  metrics.liveCalls.set(ops.ownedCalls.size);
  await ops.recordCall(call, change.type, change.actor, change.detail);

  await freeTakenOver(ops, previous?.call, call);

  const sessions = await store.sessions.listByCall(call.id, clock.now());
  const owned = [...ops.ownedSessions.values()].filter((r) => r.session.callId === call.id && !sessions.some((s) => s.session.id === r.session.id));
  for (const r of [...sessions, ...owned]) {
    if (!isLive(r.session)) continue;
    const ev = endingEvent(call, r.session.target);
    if (ev) await ops.finish(r, ev, { applyPlan: false, detail: { cause: change.type } });
    else if (change.type === 'hold' || change.type === 'resume') await recordTargetHold(ops, call, r, change.type);
  }
  await ops.applyPlan(call.id);
}

/**
 * A coach or barger whose target agent's phone holds is heard by nobody until it
 * resumes (the phone plays nothing): the timeline says so, for the supervisor's page.
 */
async function recordTargetHold(ops: SessionOps, call: Call, r: SessionRecord, change: 'hold' | 'resume'): Promise<void> {
  const s = r.session;
  if (s.state !== 'active' || s.mode === 'monitor') return;
  const target = call.participants.find((p) => p.id === s.target);
  if (!target || target.held !== (change === 'hold')) return;
  const heard = heardByTarget(call, asJoined(s));
  await ops.recordSession(r, change === 'hold' ? 'supervision_target_holding' : 'supervision_target_resumed', undefined, { heardByTarget: heard });
}

/**
 * A supervisor who took the call over stayed busy while in it (call-control.ts): when
 * their leg leaves, or the call ends, they are available again.
 */
export async function freeTakenOver(ops: SessionOps, before: Call | undefined, call: Call): Promise<void> {
  for (const p of call.participants) {
    if (p.origin !== 'takeover' || !p.userId || p.status !== 'left') continue;
    if (before?.participants.find((x) => x.id === p.id)?.status === 'left') continue;
    await ops.d.store.presence.set(p.userId, 'available');
    await ops.publishStatus(p.userId, 'available', p.id, call.id);
  }
}

function endingEvent(call: Call, target: string): SessionEvent | undefined {
  if (call.ended) return { type: 'call_ended' };
  const p = call.participants.find((x) => x.id === target);
  return p?.status === 'connected' ? undefined : { type: 'target_left' };
}

/** The call is gone (the adapter dropped it, e.g. after a media server loss): end it if it was live. */
export async function handleCallRemoved(ops: SessionOps, callId: string, change: Partial<CallChange>): Promise<void> {
  const rec = await ops.loadCall(callId);
  if (!rec) {
    ops.ownedCalls.delete(callId);
    return;
  }
  if (rec.call.ended) {
    ops.ownedCalls.delete(callId);
    return;
  }
  await handleCallChanged(ops, endCall(rec.call), { type: change.type ?? 'call_removed', ...(change.actor ? { actor: change.actor } : {}), ...(change.detail ? { detail: change.detail } : {}) });
}
