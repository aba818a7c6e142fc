import { formatDuration, spokenDuration } from '../format/time';
import { useNow } from './hooks';

/** A running duration since `since`; read out in words, shown as 1:15. */
export function Duration({ since, until }: { since: string; until?: string | undefined }) {
  const now = useNow();
  const ms = (until ? Date.parse(until) : now) - Date.parse(since);
  return (
    <time class="duration" dateTime={`PT${Math.max(0, Math.floor(ms / 1000))}S`} aria-label={spokenDuration(ms)}>
      {formatDuration(ms)}
    </time>
  );
}
