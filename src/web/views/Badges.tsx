import type { CallState, Mode, UserStatus } from '../contract-types';
import { CALL_STATE_LABEL, MODE_LABEL, STATUS_LABEL } from '../format/labels';

/**
 * State badges: the word always, a symbol as well, colour only on top. Nothing is
 * told by colour alone.
 */
const CALL_SYMBOL: Record<CallState, string> = { ringing: '◔', active: '●', held: '❚❚', transferring: '⇄', transferred: '⇢', ended: '■' };
const STATUS_SYMBOL: Record<UserStatus, string> = { available: '●', busy: '◐', unavailable: '○' };
const MODE_SYMBOL: Record<Mode, string> = { monitor: '◉', coach: '✎', barge: '➜' };

export function CallStateBadge({ state }: { state: CallState }) {
  return (
    <span class={`badge state-${state}`}>
      <span aria-hidden="true">{CALL_SYMBOL[state]} </span>
      {CALL_STATE_LABEL[state]}
    </span>
  );
}

export function StatusBadge({ status }: { status: UserStatus }) {
  return (
    <span class={`badge status-${status}`}>
      <span aria-hidden="true">{STATUS_SYMBOL[status]} </span>
      {STATUS_LABEL[status]}
    </span>
  );
}

export function ModeBadge({ mode, pending }: { mode: Mode; pending?: boolean }) {
  return (
    <span class={`badge mode-${mode}${pending ? ' pending' : ''}`}>
      <span aria-hidden="true">{MODE_SYMBOL[mode]} </span>
      {MODE_LABEL[mode]}
      {pending ? ' (connecting)' : ''}
    </span>
  );
}
