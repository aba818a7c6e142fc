/**
 * Read side of calls for the API: listings, details and timelines, shaped for the
 * asking user (`supervisable` and its reason are theirs; supervision is shown only
 * where visibility allows).
 *
 *   const queries = new CallQueries({ store, clock? });
 *   queries.list(user, { number?, agent? }) → CallView[]
 *   queries.detail(user, callId) → CallView
 *   queries.timeline(user, callId) → TimelineEventView[]
 */
import { Call, NumberEntry, User, callSupervisability } from '../domain';
import type { CallView, TimelineEventView } from '../api/contract';
import type { CallRecord, EventScope, SessionRecord, Store } from '../store';
import { Clock, systemClock } from './deps';
import { AppError } from './errors';
import { callView, timelineView } from './views';
import { maySeeSupervision } from './visibility';

/** Everyone who was ever an agent on the call: the privacy rule covers them all. */
function everAgents(call: Call): string[] {
  return [...new Set(call.participants.filter((p) => p.kind === 'internal' && p.userId).map((p) => p.userId!))];
}

export class CallQueries {
  private readonly store: Store;
  private readonly clock: Clock;

  constructor(d: { store: Store; clock?: Clock }) {
    this.store = d.store;
    this.clock = d.clock ?? systemClock;
  }

  async list(user: User, filter: { number?: string; agent?: string }): Promise<CallView[]> {
    const records = await this.store.calls.list(filter, this.clock.now());
    const numbers = new Map<string, Promise<NumberEntry | undefined>>();
    const numberOf = (e164: string): Promise<NumberEntry | undefined> => {
      if (!numbers.has(e164)) numbers.set(e164, this.store.directory.getNumber(e164));
      return numbers.get(e164)!;
    };
    return Promise.all(records.map(async (r) => this.view(user, r, await numberOf(r.call.number))));
  }

  async detail(user: User, callId: string): Promise<CallView> {
    const r = await this.requireCall(callId);
    return this.view(user, r, await this.store.directory.getNumber(r.call.number));
  }

  async timeline(user: User, callId: string): Promise<TimelineEventView[]> {
    const r = await this.requireCall(callId);
    const [events, number] = await Promise.all([this.store.timeline.list(callId), this.store.directory.getNumber(r.call.number)]);
    const agents = everAgents(r.call);
    return events
      .filter((e) => e.kind !== 'supervision' || maySeeSupervision(user, scopeOf(r.call, agents, e.detail), number))
      .map(timelineView);
  }

  private async requireCall(callId: string): Promise<CallRecord> {
    const r = await this.store.calls.get(callId);
    if (!r) throw new AppError('call_not_found', `no call ${callId}`);
    return r;
  }

  private async view(user: User, r: CallRecord, number: NumberEntry | undefined): Promise<CallView> {
    const sessions = r.call.ended ? [] : await this.store.sessions.listByCall(r.call.id, this.clock.now());
    const agents = everAgents(r.call);
    const visible = sessions.filter((s: SessionRecord) =>
      maySeeSupervision(user, { number: r.call.number, agents, supervisorId: s.session.supervisorId }, number),
    );
    return callView(r, callSupervisability(r.call, number, user), visible);
  }
}

function scopeOf(call: Call, agents: string[], detail: Record<string, unknown> | undefined): EventScope {
  const sup = detail?.supervisorId;
  return { number: call.number, agents, ...(typeof sup === 'string' ? { supervisorId: sup } : {}) };
}
