/**
 * Read side of calls for the API: listings, details and timelines, shaped for the
 * asking user (`supervisable` and its reason are theirs; supervision is shown only
 * where visibility allows; agents get their own calls only).
 *
 *   const queries = new CallQueries({ store, clock? });
 *   queries.list(user, { number?, agent?, limit?, cursor? }) → { calls: CallView[], next? }
 *   queries.detail(user, callId) → CallView, with the user's actions per participant
 *   queries.timeline(user, callId, { limit?, cursor? }) → { events: TimelineEventView[], next? }
 */
import { Call, CallDecision, NumberEntry, User, callSupervisability, isLive } from '../domain';
import { CALLS_PAGE, TIMELINE_PAGE } from '../contract';
import type { CallView, TimelineEventView } from '../contract';
import type { CallRecord, EventScope, SessionRecord, Store } from '../store';
import { participantActions } from './call-actions';
import { Clock, systemClock } from './deps';
import { AppError } from './errors';
import { decodeCursor, encodeCursor, pageLimit } from './cursor';
import { NameCache } from './name-cache';
import { ListedViews } from './listed-views';
import { PageReads } from './page-reads';
import { CallViewExtras, callView, timelineView } from './views';
import { isToldOfCoaching, maySeeCall, maySeeSupervision } from './visibility';

/** Everyone who was ever an agent on the call: the privacy rule covers them all. */
function everAgents(call: Call): string[] {
  return [...new Set(call.participants.filter((p) => p.kind === 'internal' && p.userId).map((p) => p.userId!))];
}

const isStaff = (u: User): boolean => u.role === 'supervisor' || u.role === 'admin';

/** Pages (filter, cursor, size) whose numbers are remembered; the oldest makes room. */
const PAGE_NUMBERS_MAX = 1024;

/** Memoised directory reads for one request: a listing touches each number and user once. */
class DirectoryReads {
  private readonly numbers = new Map<string, Promise<NumberEntry | undefined>>();
  private readonly names = new Map<string, Promise<string | undefined>>();

  constructor(private readonly store: Store) {}

  number(e164: string): Promise<NumberEntry | undefined> {
    if (!this.numbers.has(e164)) this.numbers.set(e164, this.store.directory.getNumber(e164));
    return this.numbers.get(e164)!;
  }

  async namesOf(ids: readonly string[]): Promise<Map<string, string>> {
    for (const id of ids) if (!this.names.has(id)) this.names.set(id, this.store.directory.getUser(id).then((u) => u?.name));
    const out = new Map<string, string>();
    await Promise.all(ids.map(async (id) => {
      const name = await this.names.get(id)!;
      if (name !== undefined) out.set(id, name);
    }));
    return out;
  }
}

export class CallQueries {
  private readonly store: Store;
  private readonly clock: Clock;

  private readonly names: NameCache;
  private readonly listed = new ListedViews(undefined, undefined, () => this.clock.now());
  /** The numbers each page (filter, cursor, size) showed when last read: read with the page next time. */
  private readonly pageNumbers = new Map<string, string[]>();

  constructor(d: { store: Store; clock?: Clock }) {
    this.store = d.store;
    this.clock = d.clock ?? systemClock;
    this.names = new NameCache(this.store, () => this.clock.now());
  }

  async list(user: User, query: { number?: string; agent?: string; limit?: string; cursor?: string }): Promise<{ calls: CallView[]; next?: string }> {
    const limit = pageLimit(query.limit, CALLS_PAGE.default, CALLS_PAGE.max);
    const after = query.cursor === undefined ? undefined : decodeCursor('calls', query.cursor);
    let filter = { ...(query.number !== undefined ? { number: query.number } : {}), ...(query.agent !== undefined ? { agent: query.agent } : {}) };
    if (!isStaff(user)) {
      if (filter.agent !== undefined && filter.agent !== user.id) return { calls: [] };
      filter = { ...filter, agent: user.id };
    }
    const now = this.clock.now();
    // The numbers this page showed last time are read in the same round trip as the page (both batched).
    const pageKey = JSON.stringify([filter.number ?? null, filter.agent ?? null, after ?? null, limit]);
    const guess = this.pageNumbers.get(pageKey) ?? [];
    const [page, prefetched] = await Promise.all([
      this.store.calls.page(filter, now, { limit, ...(after !== undefined ? { after } : {}) }),
      guess.length > 0 ? this.store.directory.getNumbers(guess) : new Map<string, NumberEntry>(),
    ]);
    const { records, more } = page;
    const reads = await PageReads.of(this.store, page, this.names, { asked: new Set(guess), found: prefetched });
    this.rememberPageNumbers(pageKey, [...reads.numbers.keys()]);
    this.listed.sweep();
    const calls = records.map((r) => this.listedView(user, r, reads));
    // The cursor is the last id looked at, so a page whose calls all ended meanwhile still moves on.
    return { calls, ...(more && page.last !== undefined ? { next: encodeCursor('calls', page.last) } : {}) };
  }

  async detail(user: User, callId: string): Promise<CallView> {
    const r = await this.requireCall(user, callId);
    return this.view(user, r, new DirectoryReads(this.store), true);
  }

  /**
   * A page of the call's timeline as the user may see it: up to `limit` visible
   * entries after the cursor (entries they may not see are skipped, not counted).
   */
  async timeline(user: User, callId: string, query: { limit?: string; cursor?: string } = {}): Promise<{ events: TimelineEventView[]; next?: string }> {
    const limit = pageLimit(query.limit, TIMELINE_PAGE.default, TIMELINE_PAGE.max);
    let pos = query.cursor === undefined ? 0 : cursorSeq(decodeCursor('timeline', query.cursor));
    const r = await this.requireCall(user, callId);
    const number = await this.store.directory.getNumber(r.call.number);
    const agents = everAgents(r.call);
    const visible = (e: TimelineEventView): boolean => e.kind !== 'supervision' || maySeeSupervision(user, scopeOf(r.call, agents, e.detail), number);
    const events: TimelineEventView[] = [];
    let total = 0;
    while (events.length < limit) {
      const chunk = await this.store.timeline.range(callId, pos, limit);
      total = chunk.total;
      for (const e of chunk.events) {
        pos = e.seq;
        if (visible(e)) events.push(timelineView(e));
        if (events.length === limit) break;
      }
      if (chunk.events.length < limit || pos >= total) break;
    }
    return { events, ...(pos < total ? { next: encodeCursor('timeline', String(pos)) } : {}) };
  }

  private rememberPageNumbers(pageKey: string, numbers: string[]): void {
    this.pageNumbers.delete(pageKey);
    if (this.pageNumbers.size >= PAGE_NUMBERS_MAX) this.pageNumbers.delete(this.pageNumbers.keys().next().value!);
    this.pageNumbers.set(pageKey, numbers);
  }

  /** The call, if it exists and `user` may read it; an agent is not told that other calls exist. */
  private async requireCall(user: User, callId: string): Promise<CallRecord> {
    const r = await this.store.calls.get(callId);
    if (!r || !maySeeCall(user, r.call)) throw new AppError('call_not_found', `no call ${callId}`);
    return r;
  }

  private async view(user: User, r: CallRecord, reads: DirectoryReads, detail = false): Promise<CallView> {
    const number = await reads.number(r.call.number);
    const sessions = r.call.ended ? [] : await this.store.sessions.listByCall(r.call.id, this.clock.now());
    const userIds = [...new Set([...r.call.participants.flatMap((p) => (p.userId ? [p.userId] : [])), ...sessions.map((s) => s.session.supervisorId)])];
    const names = await reads.namesOf(userIds);
    const x: CallViewExtras = {};
    if (detail && isStaff(user) && !r.call.ended) {
      const own = sessions.find((s) => s.session.supervisorId === user.id && isLive(s.session));
      x.actions = await participantActions(this.store, r.call, user, own?.session);
      if (own) x.yourSession = own;
    }
    return this.build(r, number, callSupervisability(r.call, number, user), this.visibleSessions(user, r.call, number, sessions), names, x);
  }

  /**
   * A call's view in a listing: one that shows this user no supervision is reused while
   * its inputs are unchanged (ListedViews); one that does is built every time, from the
   * sessions just read.
   */
  private listedView(user: User, r: CallRecord, reads: PageReads): CallView {
    const number = reads.numbers.get(r.call.number);
    const sessions = reads.sessions.get(r.call.id) ?? [];
    const visible = sessions.length > 0 ? this.visibleSessions(user, r.call, number, sessions) : sessions;
    const decision = callSupervisability(r.call, number, user);
    if (visible.length > 0) return this.build(r, number, decision, visible, reads.names, {});
    const inputs = { record: r, numberName: number?.name, namesGeneration: reads.namesGeneration, decision };
    return this.listed.get(inputs) ?? this.listed.keep(inputs, this.build(r, number, decision, visible, reads.names, {}));
  }

  /** The sessions of a call whose supervision `user` may see (visibility.ts). */
  private visibleSessions(user: User, call: Call, number: NumberEntry | undefined, sessions: readonly SessionRecord[]): SessionRecord[] {
    const agents = everAgents(call);
    return sessions.filter(
      (s: SessionRecord) =>
        maySeeSupervision(user, { number: call.number, agents, supervisorId: s.session.supervisorId }, number) ||
        isToldOfCoaching(user, call, s.session),
    );
  }

  /**
   * The view of a call once everything is read: sync, so a page of hundreds of calls is
   * built without an await per call. `names` may hold more users than the call shows:
   * only the shown participants' are looked up.
   */
  private build(
    r: CallRecord, number: NumberEntry | undefined, decision: CallDecision, visible: readonly SessionRecord[], names: ReadonlyMap<string, string>, extras: CallViewExtras,
  ): CallView {
    return callView(r, decision, visible, { ...extras, names, ...(number ? { numberName: number.name } : {}) });
  }
}

function cursorSeq(position: string): number {
  if (!/^\d{1,9}$/.test(position)) throw new AppError('bad_cursor', 'this cursor was not given by this listing; start again without one');
  return Number(position);
}

function scopeOf(call: Call, agents: string[], detail: Record<string, unknown> | undefined): EventScope {
  const sup = detail?.supervisorId;
  return { number: call.number, agents, ...(typeof sup === 'string' ? { supervisorId: sup } : {}) };
}
