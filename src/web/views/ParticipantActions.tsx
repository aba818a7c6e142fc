import { useState } from 'preact/hooks';
import type { ParticipantAction, ParticipantView, SessionView } from '../../contract';
import { ApiClientError } from '../api/errors';
import type { Mode } from '../contract-types';
import { MODE_HINT, MODE_LABEL, participantName } from '../format/labels';
import type { SignedIn } from '../state/app-model';
import { ActionError } from './ActionError';
import { CoachDialog } from './CoachDialog';
import { useId } from './hooks';

/**
 * Monitor / Coach / Barge / Stop next to a participant, exactly as the API decided them
 * for this user (ParticipantView.actions): a refused action stays visible, marked
 * unavailable (aria-disabled, so it can still be focused and its reason read), with the
 * API's reason in words. On the target of your own session they switch mode on the
 * same leg (PATCH), and Stop ends it.
 */
export function ParticipantActions({ s, callId, p, yourSession, coachFirst }: { s: SignedIn; callId: string; p: ParticipantView; yourSession: SessionView | undefined; coachFirst: boolean }) {
  const [dialog, setDialog] = useState(coachFirst);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const base = useId('actions');
  const actions = p.actions ?? [];
  const name = participantName(p);
  const mine = yourSession && yourSession.target === p.id && yourSession.state !== 'ended' && yourSession.state !== 'failed' ? yourSession : undefined;
  if (actions.length === 0 && !mine) return null;

  const refused = actions.filter((a) => !a.allowed && a.reason);
  const shared = refused.length > 1 && refused.every((a) => a.reason!.message === refused[0]!.reason!.message) ? refused[0]!.reason!.message : undefined;
  const reasonId = (a: ParticipantAction): string => (shared ? `${base}-why` : `${base}-why-${a.mode}`);

  const run = async (what: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setError('');
    try {
      await what();
    } catch (err) {
      const msg = err instanceof ApiClientError ? err.message : String(err);
      setError(msg);
      s.app.announcer.say(`Refused: ${msg}`, true);
    } finally {
      setBusy(false);
    }
  };
  const press = (a: ParticipantAction): void => {
    if (!a.allowed || a.current || busy) return;
    if (a.mode === 'coach') setDialog(true);
    else if (mine) void run(() => s.switchMode(a.mode));
    else void run(() => s.startSupervision(callId, p.id, a.mode));
  };

  return (
    <div class="actions" role="group" aria-label={`Supervise ${name}`}>
      <div class="action-buttons">
        {actions.map((a) => (
          <ActionButton key={a.mode} a={a} name={name} switching={mine !== undefined} busy={busy} describedBy={a.allowed ? undefined : reasonId(a)} onPress={() => press(a)} />
        ))}
        {mine ? (
          <button type="button" class="danger" disabled={busy} aria-label={`Stop supervising ${name}`} onClick={() => void run(() => s.stop())}>
            Stop
          </button>
        ) : null}
      </div>
      {shared ? (
        <p id={`${base}-why`} class="reason">
          <span aria-hidden="true">⊘ </span>
          {shared}
        </p>
      ) : (
        refused.map((a) => (
          <p key={a.mode} id={reasonId(a)} class="reason">
            <span aria-hidden="true">⊘ </span>
            <strong>{MODE_LABEL[a.mode]}:</strong> {a.reason!.message}
          </p>
        ))
      )}
      <ActionError id={`${base}-error`} message={error} />
      {dialog ? (
        <CoachDialog
          agentName={name}
          switching={mine !== undefined}
          onCancel={() => setDialog(false)}
          onStart={(notify) => {
            setDialog(false);
            void run(() => (mine ? s.switchMode('coach', notify) : s.startSupervision(callId, p.id, 'coach', notify)));
          }}
        />
      ) : null}
    </div>
  );
}

function ActionButton({ a, name, switching, busy, describedBy, onPress }: { a: ParticipantAction; name: string; switching: boolean; busy: boolean; describedBy: string | undefined; onPress: () => void }) {
  const mode: Mode = a.mode;
  const unavailable = !a.allowed;
  return (
    <button
      type="button"
      class={`mode-button mode-${mode}${a.current ? ' current' : ''}${unavailable ? ' unavailable' : ''}`}
      aria-label={`${MODE_LABEL[mode]} ${name}`}
      aria-disabled={unavailable || a.current || busy ? 'true' : undefined}
      aria-pressed={switching ? (a.current ? 'true' : 'false') : undefined}
      aria-describedby={describedBy}
      title={unavailable ? a.reason?.message : MODE_HINT[mode]}
      onClick={onPress}
    >
      {unavailable ? <span aria-hidden="true">⊘ </span> : a.current ? <span aria-hidden="true">✓ </span> : null}
      {MODE_LABEL[mode]}
    </button>
  );
}
