import type { TimelineEventView } from '../../contract';
import { timelineText } from '../format/labels';
import { formatClock } from '../format/time';

const KIND_SYMBOL: Record<string, string> = { call: '☎', supervision: '◉', user: '👤', notice: 'ℹ' };

/** What happened on the call, in order, growing live from the event stream. */
export function Timeline({ events, nameOf }: { events: readonly TimelineEventView[]; nameOf: (id: string) => string }) {
  if (events.length === 0) return <p class="muted">Nothing on the timeline yet.</p>;
  return (
    <ol class="timeline" data-testid="timeline">
      {events.map((e) => (
        <li key={e.seq} class={`tl-${e.kind}`}>
          <time dateTime={e.at}>{formatClock(e.at)}</time>
          <span class="tl-kind" aria-hidden="true">
            {KIND_SYMBOL[e.kind] ?? '•'}
          </span>
          <span class="tl-text">{timelineText(e, nameOf)}</span>
        </li>
      ))}
    </ol>
  );
}
