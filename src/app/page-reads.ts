import type { NumberEntry } from '../domain';
import type { CallPage, SessionRecord, Store } from '../store';
import type { NameCache } from './name-cache';

/**
 * Everything a page of the call list shows besides the calls themselves, read for the
 * whole page at once (the page's sessions in one MGET, each number once, the names
 * not in the cache in one MGET), so that each call's view is then built without a
 * round trip or an await of its own. `prefetched` are numbers read together with the
 * page itself (CallQueries guesses them from the last time the same page was read);
 * only those it lacks are read here.
 */
/** Numbers read in one round trip: those asked for, and those of them in the directory. */
export interface NumbersRead {
  asked: ReadonlySet<string>;
  found: ReadonlyMap<string, NumberEntry>;
}

export class PageReads {
  readonly numbers = new Map<string, NumberEntry | undefined>();
  names: ReadonlyMap<string, string> = new Map();
  /** The name cache's generation `names` was taken at. */
  namesGeneration = -1;
  sessions: Map<string, SessionRecord[]> = new Map();

  private constructor() {}

  static async of(store: Store, page: CallPage, names: NameCache, prefetched?: NumbersRead): Promise<PageReads> {
    const reads = new PageReads();
    const numbers = [...new Set(page.records.map((r) => r.call.number))];
    const unread = prefetched ? numbers.filter((n) => !prefetched.asked.has(n)) : numbers;
    const participants = new Set<string>();
    for (const r of page.records) for (const p of r.call.participants) if (p.userId) participants.add(p.userId);
    const [sessions, entries] = await Promise.all([store.sessions.byIds(page.sessionIds), store.directory.getNumbers(unread), names.load(participants)]);
    for (const n of numbers) reads.numbers.set(n, entries.get(n) ?? prefetched?.found.get(n));
    reads.sessions = sessions;
    const supervisors = new Set<string>();
    for (const list of sessions.values()) for (const x of list) supervisors.add(x.session.supervisorId);
    await names.load(supervisors);
    reads.names = names.snapshot([...participants, ...supervisors]);
    reads.namesGeneration = names.generation;
    return reads;
  }
}
