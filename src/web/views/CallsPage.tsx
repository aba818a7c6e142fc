import { useEffect, useMemo, useState } from 'preact/hooks';
import type { SignedIn } from '../state/app-model';
import { CallFilter, NO_FILTER, filterCalls } from '../state/call-filter';
import { useObservable } from '../state/observable';
import { CallRow } from './CallRow';
import { Pager } from './Pager';

const PAGE_SIZES = [25, 50, 100] as const;
const FIRST_LIST_MARK = 'coachline:first-list';

/**
 * Live calls, filtered by number, agent and a search, newest first, a page at a time:
 * with 1,000 calls only the rows of one page exist in the document (bench/web.ts).
 */
export function CallsPage({ s }: { s: SignedIn }) {
  const book = useObservable(s.book);
  const people = useObservable(s.people);
  const [filter, setFilter] = useState<CallFilter>(NO_FILTER);
  const [page, setPage] = useState(0);
  const [size, setSize] = useState<number>(50);

  const all = book.list();
  const shown = useMemo(() => filterCalls(all, filter), [all, filter]);
  const pages = Math.max(1, Math.ceil(shown.length / size));
  const current = Math.min(page, pages - 1);
  useEffect(() => setPage(0), [filter, size]);
  useEffect(() => {
    // bench/web.ts reads this: navigation → the list first shown with calls in it.
    if (all.length > 0 && performance.getEntriesByName(FIRST_LIST_MARK).length === 0) performance.mark(FIRST_LIST_MARK);
  }, [all]);
  const rows = shown.slice(current * size, current * size + size);

  const numbers = useMemo(() => {
    const m = new Map(people.numbers.map((n) => [n.e164, n.name]));
    for (const c of all) if (!m.has(c.number)) m.set(c.number, c.numberName ?? c.number);
    return [...m].sort((a, b) => a[1].localeCompare(b[1]));
  }, [people.numbers, all]);
  const agents = useMemo(() => people.users.filter((u) => u.role === 'agent').sort((a, b) => a.name.localeCompare(b.name)), [people.users]);
  const set = (patch: Partial<CallFilter>): void => setFilter({ ...filter, ...patch });

  return (
    <section aria-labelledby="calls-title">
      <div class="section-head">
        <h1 id="calls-title">Live calls</h1>
        <p class="count" data-testid="calls-count" aria-live="polite">
          {shown.length === all.length ? `${all.length.toLocaleString()} live` : `${shown.length.toLocaleString()} of ${all.length.toLocaleString()} live`}
        </p>
      </div>
      <form class="filters" role="search" aria-label="Filter calls" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="filter-number">Number</label>
          <select id="filter-number" value={filter.number} onChange={(e) => set({ number: (e.currentTarget as HTMLSelectElement).value })}>
            <option value="">All numbers</option>
            {numbers.map(([e164, name]) => (
              <option key={e164} value={e164}>
                {name === e164 ? e164 : `${name} (${e164})`}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-agent">Agent</label>
          <select id="filter-agent" value={filter.agent} onChange={(e) => set({ agent: (e.currentTarget as HTMLSelectElement).value })}>
            <option value="">All agents</option>
            {agents.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field grow">
          <label for="filter-search">Search</label>
          <input id="filter-search" type="search" placeholder="Customer number, agent, supervisor…" value={filter.search} onInput={(e) => set({ search: (e.currentTarget as HTMLInputElement).value })} />
        </div>
        <div class="field">
          <label for="page-size">Rows per page</label>
          <select id="page-size" value={String(size)} onChange={(e) => setSize(Number((e.currentTarget as HTMLSelectElement).value))}>
            {PAGE_SIZES.map((n) => (
              <option key={n} value={String(n)}>
                {n}
              </option>
            ))}
          </select>
        </div>
      </form>
      {rows.length === 0 ? (
        <p class="empty card">{all.length === 0 ? 'No live calls right now. New calls appear here as they start.' : 'No call matches these filters.'}</p>
      ) : (
        <div class="table-wrap">
          <table class="calls">
            <caption class="visually-hidden">Live calls, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">Direction</th>
                <th scope="col">Customer</th>
                <th scope="col">Agents</th>
                <th scope="col">State</th>
                <th scope="col">Duration</th>
                <th scope="col">Supervision</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((c) => (
                <CallRow key={c.id} call={c} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager page={current} pages={pages} total={shown.length} size={size} onPage={setPage} label="Calls pages" />
    </section>
  );
}
