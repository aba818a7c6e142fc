import { useState } from 'preact/hooks';
import { ApiClientError } from '../api/errors';
import { numberLabel, participantName, sessionText } from '../format/labels';
import type { SignedIn } from '../state/app-model';
import { useObservable } from '../state/observable';
import { href } from '../state/router';
import { ActionError } from './ActionError';
import { ModeBadge } from './Badges';
import { Duration } from './Duration';
import { useId } from './hooks';

/**
 * The supervisor's own session, live: dialing → ringing ("answer your phone") →
 * confirming ("press 1") → active; how it ended or failed, in words, with Rejoin.
 */
export function SessionPanel({ s }: { s: SignedIn }) {
  const ms = useObservable(s.session);
  useObservable(s.book);
  const people = useObservable(s.people);
  const errId = useId('session-error');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  // A takeover releases the agent: it asks once more before it is sent.
  const [confirmingTakeover, setConfirmingTakeover] = useState(false);
  const session = ms.session;
  if (!session) return null;
  const call = s.book.get(session.callId) ?? (s.detail.call?.id === session.callId ? s.detail.call : undefined);
  const target = call?.participants.find((p) => p.id === session.target);
  const targetName = target ? participantName(target) : 'the participant';
  const text = sessionText(session, people.me?.device?.kind, targetName);
  const live = ms.live !== undefined;
  // Offered where the API would allow it: the permission, an answered session, an agent as target.
  const canTakeOver = live && session.state === 'active' && target?.kind === 'internal' && (people.me?.permissions.includes('takeover') ?? false);
  const run = async (what: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError('');
    try {
      await what();
    } catch (err) {
      setError(err instanceof ApiClientError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class={`card session-panel session-${session.state}`} aria-labelledby="session-title" data-testid="session-panel" data-state={session.state}>
      <div class="session-main">
        <h2 id="session-title">Your session</h2>
        <p class="session-title">
          <strong data-testid="session-title">{text.title}</strong>
          {session.state === 'active' ? <ModeBadge mode={session.mode} /> : null}
          {session.state === 'active' && session.joinedAt ? (
            <span class="muted">
              {' '}
              for <Duration since={session.joinedAt} />
            </span>
          ) : null}
        </p>
        <p class="muted" data-testid="session-detail">
          {text.detail}
        </p>
        {call ? (
          <p class="muted">
            {numberLabel(call)} · <a href={href({ page: 'call', id: call.id })}>open the call</a>
          </p>
        ) : null}
      </div>
      <div class="session-actions">
        {live && canTakeOver && !confirmingTakeover ? (
          <button type="button" class="secondary" disabled={busy} aria-label={`Take the call over from ${targetName}`} onClick={() => setConfirmingTakeover(true)}>
            Take over
          </button>
        ) : null}
        {live && canTakeOver && confirmingTakeover ? (
          <>
            <span class="muted" id="takeover-warning">{targetName}’s phone is hung up and you stay with the customer.</span>
            <button type="button" class="danger" disabled={busy} aria-describedby="takeover-warning" onClick={() => void run(async () => { setConfirmingTakeover(false); await s.takeOver(); })}>
              Confirm takeover
            </button>
            <button type="button" class="secondary" disabled={busy} onClick={() => setConfirmingTakeover(false)}>
              Cancel
            </button>
          </>
        ) : null}
        {live ? (
          <button type="button" class="danger" disabled={busy} onClick={() => void run(() => s.stop())}>
            Stop
          </button>
        ) : (
          <>
            {call && session.reason !== 'takeover' ? (
              <button type="button" class="primary" disabled={busy} onClick={() => void run(() => s.rejoin())}>
                Rejoin
              </button>
            ) : null}
            <button type="button" class="secondary" onClick={() => ms.dismiss()}>
              Dismiss
            </button>
          </>
        )}
      </div>
      <ActionError id={errId} message={error} />
    </section>
  );
}
