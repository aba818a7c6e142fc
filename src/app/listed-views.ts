import type { CallDecision } from '../domain';
import type { CallView } from '../contract';
import type { CallRecord } from '../store';
import { SeenMap } from '../store/seen-map';

/** Views of a call no listing showed for this long are dropped: an ended call is never listed again (issue 14). */
export const LISTED_IDLE_MS = 60_000;

/**
 * Everything a listed call view that shows no supervision is made of (see callView):
 * the record, the number's name, the names of its participants (as of a NameCache
 * generation) and the asking user's decision on the call.
 */
export interface ListedInputs {
  record: CallRecord;
  numberName: string | undefined;
  namesGeneration: number;
  decision: CallDecision;
}

/**
 * The call list's views, kept per call and handed out again while everything a view is
 * made of is unchanged: a listing of 1,000 calls otherwise builds (and the API then
 * serializes) 1,000 views per request that are the same as the last request's.
 *
 * A memo, not a cache to invalidate: a view is found only by the very inputs it was
 * built from, each compared on every request with what that request has just read.
 * The record by identity (the store hands out one parsed object per record version, so
 * any change, on any instance, is a new object); the number's name and the names'
 * generation by value; and the asking user's decision on the call, computed afresh
 * from the user as authenticated on this request and the number as just read (role,
 * permissions, distribution, own call). A user whose role or numbers changed asks with
 * another decision and gets a view built for it; nothing stale can come back. Views
 * that show supervision are never kept (CallQueries builds them every time).
 *
 * Kept views are deep-frozen: they are shared between requests and users, and the API
 * memoizes their JSON by identity (src/api/json-page.ts), which is only sound for
 * objects that can no longer change.
 */
export class ListedViews {
  private readonly byCall: SeenMap<string, Entry>;

  constructor(
    /** Calls remembered; the oldest entry makes room. */
    maxCalls = 20_000,
    /** Views per call, one per distinct decision (a handful); past it the call's views start over. */
    private readonly maxPerCall = 16,
    /** The clock the idle sweep runs on (seen-map.ts). */
    private readonly now: () => number = Date.now,
  ) {
    this.byCall = new SeenMap(LISTED_IDLE_MS, maxCalls);
  }

  /** Calls with views kept (tests). */
  get size(): number {
    return this.byCall.size;
  }

  /** Drops the views of calls no listing showed for LISTED_IDLE_MS; every listing calls it, empty ones too. */
  sweep(): void {
    this.byCall.sweep(this.now());
  }

  get(x: ListedInputs): CallView | undefined {
    const entry = this.byCall.get(x.record.call.id, this.now());
    if (!entry || entry.record !== x.record || entry.numberName !== x.numberName || entry.namesGeneration !== x.namesGeneration) return undefined;
    return entry.views.get(decisionKey(x.decision));
  }

  /** Keeps `view`, built from `x`, and returns it frozen. */
  keep(x: ListedInputs, view: CallView): CallView {
    const id = x.record.call.id;
    const now = this.now();
    let entry = this.byCall.get(id, now);
    if (!entry || entry.record !== x.record || entry.numberName !== x.numberName || entry.namesGeneration !== x.namesGeneration) {
      entry = { record: x.record, numberName: x.numberName, namesGeneration: x.namesGeneration, views: new Map() };
      this.byCall.set(id, entry, now);
    }
    if (entry.views.size >= this.maxPerCall) entry.views.clear();
    const frozen = deepFreeze(view);
    entry.views.set(decisionKey(x.decision), frozen);
    return frozen;
  }
}

interface Entry {
  record: CallRecord;
  numberName: string | undefined;
  namesGeneration: number;
  /** By decisionKey. */
  views: Map<string, CallView>;
}

/** A refusal's code has no ':', so code and message cannot run into each other. */
const decisionKey = (d: CallDecision): string => (d.allowed ? '' : `${d.code}:${d.message}`);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
