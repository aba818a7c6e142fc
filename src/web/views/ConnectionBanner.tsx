import type { SignedIn } from '../state/app-model';
import { useObservable } from '../state/observable';

/** Says when the page is not live (stream lost, reconnecting) or a read failed. */
export function ConnectionBanner({ s }: { s: SignedIn }) {
  const c = useObservable(s.connection);
  const reconnecting = c.stream === 'reconnecting' || (c.stream === 'connecting' && c.lost);
  return (
    <div class="banners">
      {reconnecting ? (
        <div class="banner warning" data-testid="stream-lost">
          <span aria-hidden="true">⚠ </span>
          <strong>Live updates lost.</strong> Reconnecting… What you see may be out of date.
          <button type="button" class="link" onClick={() => s.stream.reconnectNow()}>
            Retry now
          </button>
        </div>
      ) : null}
      {c.error ? (
        <div class="banner error-banner" role="alert">
          <span aria-hidden="true">✖ </span>
          {c.error}
          <button type="button" class="link" onClick={() => c.setError('')}>
            Dismiss
          </button>
        </div>
      ) : null}
    </div>
  );
}
