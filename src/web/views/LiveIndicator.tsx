import type { SignedIn } from '../state/app-model';
import { useObservable } from '../state/observable';

const TEXT = { off: 'Offline', connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' } as const;
const SYMBOL = { off: '○', connecting: '◌', live: '●', reconnecting: '◌' } as const;

/** The stream's state, in a word and a symbol. */
export function LiveIndicator({ s }: { s: SignedIn }) {
  const c = useObservable(s.connection);
  return (
    <span class={`live live-${c.stream}`} data-testid="live-indicator" title={c.detail || undefined}>
      <span aria-hidden="true">{SYMBOL[c.stream]} </span>
      {TEXT[c.stream]}
    </span>
  );
}
