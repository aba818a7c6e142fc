import { useState } from 'preact/hooks';
import { STATUSES } from '../../contract/values';
import { ApiClientError } from '../api/errors';
import type { UserStatus } from '../contract-types';
import { STATUS_LABEL } from '../format/labels';
import type { SignedIn } from '../state/app-model';
import { useId } from './hooks';

/** A user's status as a labelled select; the API's answer (or refusal) is shown beside it. */
export function StatusControl({ s, userId, status, label }: { s: SignedIn; userId: string; status: UserStatus; label: string }) {
  const id = useId('status');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const change = async (next: UserStatus): Promise<void> => {
    setBusy(true);
    setNote('');
    try {
      setNote(await s.setStatus(next, userId));
    } catch (err) {
      setNote(err instanceof ApiClientError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="status-control">
      <label for={id}>{label}</label>
      <select id={id} value={status} disabled={busy} aria-describedby={note ? `${id}-note` : undefined} onChange={(e) => void change((e.currentTarget as HTMLSelectElement).value as UserStatus)}>
        {STATUSES.map((st) => (
          <option key={st} value={st}>
            {STATUS_LABEL[st]}
          </option>
        ))}
      </select>
      {note ? (
        <span id={`${id}-note`} class="note" role="status">
          {note}
        </span>
      ) : null}
    </span>
  );
}
