import type { NumberEntry } from '../domain';
import type { CallPage, SessionRecord, Store } from '../store';
import type { NameCache } from './name-cache';

/**
 * Everything a page of the call list shows besides the calls themselves, read for the
 * whole page at once (the page's sessions in one MGET, each number once, the names
 * not in the cache in one MGET), so that each call's view is then built without a
 * round trip or an await of its own.
 */
export class PageReads {
  readonly numbers = new Map<string, NumberEntry | undefined>();
  names: ReadonlyMap<string, string> = new Map();
  sessions: Map<string, SessionRecord[]> = new Map();

  private constructor() {}

  static async of(store: Store, page: CallPage, names: NameCache): Promise<PageReads> {
    const reads = new PageReads();
    const numbers = [...new Set(page.records.map((r) => r.call.number))];
    const participants = new Set<string>();
    for (const r of page.records) for (const p of r.call.participants) if (p.userId) participants.add(p.userId);
    const [sessions, entries] = await Promise.all([store.sessions.byIds(page.sessionIds), store.directory.getNumbers(numbers), names.load(participants)]);
    for (const n of numbers) reads.numbers.set(n, entries.get(n));
    reads.sessions = sessions;
    const supervisors = new Set<string>();
    for (const list of sessions.values()) for (const x of list) supervisors.add(x.session.supervisorId);
    await names.load(supervisors);
    reads.names = names.snapshot([...participants, ...supervisors]);
    return reads;
  }
}
