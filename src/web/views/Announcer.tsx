import type { Announcer as AnnouncerState } from '../state/announcer';
import { useObservable } from '../state/observable';

/** The page's two live regions; the sentence is keyed so a repeat is read again. */
export function Announcer({ announcer }: { announcer: AnnouncerState }) {
  const a = useObservable(announcer);
  return (
    <div class="visually-hidden">
      <div role="status" aria-live="polite" aria-atomic="true" data-testid="announce-polite">
        <span key={`p${a.count}`}>{a.polite}</span>
      </div>
      <div role="alert" aria-live="assertive" aria-atomic="true" data-testid="announce-assertive">
        <span key={`a${a.count}`}>{a.assertive}</span>
      </div>
    </div>
  );
}
