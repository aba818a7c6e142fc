import type { CallView } from '../../contract';
import { agentsOf, customerOf, participantName } from '../format/labels';

export interface CallFilter {
  number: string;
  agent: string;
  search: string;
}

export const NO_FILTER: CallFilter = { number: '', agent: '', search: '' };

/** The text a search matches a call on: its number and name, customer, agents, supervisors, id. */
function haystack(c: CallView): string {
  const people = c.participants.map((p) => `${participantName(p)} ${p.userId ?? ''} ${p.address}`).join(' ');
  return `${c.id} ${c.number} ${c.numberName ?? ''} ${customerOf(c)?.address ?? ''} ${people}`.toLowerCase();
}

const cache = new WeakMap<CallView, string>();

export function filterCalls(calls: readonly CallView[], f: CallFilter): CallView[] {
  const q = f.search.trim().toLowerCase();
  if (!f.number && !f.agent && !q) return calls as CallView[];
  return calls.filter((c) => {
    if (f.number && c.number !== f.number) return false;
    if (f.agent && !agentsOf(c).some((p) => p.userId === f.agent)) return false;
    if (q) {
      let h = cache.get(c);
      if (h === undefined) cache.set(c, (h = haystack(c)));
      if (!h.includes(q)) return false;
    }
    return true;
  });
}
