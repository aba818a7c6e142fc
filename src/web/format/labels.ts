import type { CallView, ParticipantView, SessionView, TimelineEventView, UserView } from '../../contract';
import type { CallState, Mode, Role, SessionReason, UserStatus } from '../contract-types';

/** Words for what the API says: every state is shown in words (and a symbol), never by colour alone. */

export const CALL_STATE_LABEL: Record<CallState, string> = {
  ringing: 'Ringing',
  active: 'Active',
  held: 'On hold',
  transferring: 'Transferring',
  transferred: 'Transferred',
  ended: 'Ended',
};

export const MODE_LABEL: Record<Mode, string> = { monitor: 'Monitor', coach: 'Coach', barge: 'Barge' };
export const MODE_DOING: Record<Mode, string> = { monitor: 'monitoring', coach: 'coaching', barge: 'barging in on' };
const MODE_GERUND: Record<Mode, string> = { monitor: 'monitoring', coach: 'coaching', barge: 'barging in' };
export const MODE_HINT: Record<Mode, string> = {
  monitor: 'Listen without being heard',
  coach: 'Talk to the agent only; the customer hears nothing',
  barge: 'Join the conversation openly',
};

export const STATUS_LABEL: Record<UserStatus, string> = { available: 'Available', busy: 'Busy', unavailable: 'Unavailable' };
export const ROLE_LABEL: Record<Role, string> = { agent: 'Agent', supervisor: 'Supervisor', admin: 'Admin' };

const REASON_TEXT: Record<SessionReason, string> = {
  no_answer: 'Your phone did not answer.',
  busy: 'Your phone was busy.',
  declined: 'Your phone declined the call.',
  unreachable: 'Your phone could not be reached.',
  not_confirmed: '1 was not pressed in time, so you were not connected.',
  media_error: 'The media server failed; you were disconnected.',
  lock_lost: 'The session was lost (coachline restarted); start again.',
  stopped: 'You stopped.',
  supervisor_hangup: 'You hung up.',
  target_left: 'The participant you were supervising left the call.',
  call_ended: 'The call ended.',
  takeover: 'You took the call over: you are talking with the customer.',
};

export const reasonText = (r: SessionReason | undefined): string => (r ? REASON_TEXT[r] : '');

/** A participant as people know them: their directory name, else their number or address. */
export function participantName(p: ParticipantView): string {
  if (p.name) return p.name;
  if (p.role === 'customer') return p.address;
  return p.userId ?? p.address;
}

export function customerOf(c: CallView): ParticipantView | undefined {
  return c.participants.find((p) => p.role === 'customer' && p.status !== 'left') ?? c.participants.find((p) => p.role === 'customer');
}

export const agentsOf = (c: CallView): ParticipantView[] => c.participants.filter((p) => p.role === 'agent' && p.status !== 'left');
export const supervisorsOf = (c: CallView): ParticipantView[] => c.participants.filter((p) => p.role === 'supervisor');

/** A call's direction, and its title as people say it. */
export const DIRECTION_LABEL: Record<CallView['direction'], string> = { inbound: 'Inbound', outbound: 'Outbound', internal: 'Internal' };

export function callTitle(c: CallView): string {
  if (c.direction === 'internal') return `Call between ${c.participants.filter((p) => p.kind === 'internal').map(participantName).join(' and ')}`;
  return `${c.direction === 'inbound' ? 'Call from' : 'Call to'} ${customerOf(c)?.address ?? 'unknown'}`;
}

/** How a participant came into the call, when it says something (the original legs say nothing). */
export const ORIGIN_NOTE: Partial<Record<NonNullable<ParticipantView['origin']>, string>> = {
  transfer: 'transfer target',
  consult: 'consulted',
  added: 'added to the call',
  takeover: 'took the call over',
};

export function numberLabel(c: Pick<CallView, 'number' | 'numberName'>): string {
  return c.numberName ? `${c.numberName} (${c.number})` : c.number;
}

export type DeviceKind = NonNullable<UserView['device']>['kind'];

/** Where the session is, in words for the supervisor: what to do next, or how it ended. */
export function sessionText(s: SessionView, device: DeviceKind | undefined, targetName: string): { title: string; detail: string } {
  const doing = `${MODE_DOING[s.mode]} ${targetName}`;
  switch (s.state) {
    case 'requested':
    case 'dialing':
      return { title: 'Calling your phone…', detail: device === 'remote_number' ? 'Your phone will ring: answer it.' : 'Your desk phone should answer by itself.' };
    case 'ringing':
      return device === 'remote_number'
        ? { title: 'Answer your phone', detail: `It is ringing now; you will then be ${doing}.` }
        : { title: 'Your phone is ringing', detail: 'If it does not answer by itself, pick it up.' };
    case 'confirming':
      return { title: 'Press 1 on your phone', detail: `Then you will be ${doing}.` };
    case 'active':
      return { title: `You are ${doing}`, detail: MODE_HINT[s.mode] + '.' };
    case 'ended':
      return { title: 'Session ended', detail: reasonText(s.reason) };
    case 'failed':
      return { title: 'Session failed', detail: reasonText(s.reason) };
  }
}

const humanize = (type: string): string => {
  const t = type.replace(/_/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
};

/** One line of a call's timeline. */
export function timelineText(e: TimelineEventView, nameOf: (id: string) => string): string {
  const d = e.detail ?? {};
  const m = typeof d.mode === 'string' && d.mode in MODE_LABEL ? (d.mode as Mode) : undefined;
  const mode = m ? MODE_LABEL[m] : undefined;
  const modeName = (v: unknown): string => (typeof v === 'string' && v in MODE_LABEL ? MODE_LABEL[v as Mode].toLowerCase() : '?');
  const who = typeof d.supervisorId === 'string' ? nameOf(d.supervisorId) : e.actor ? nameOf(e.actor) : '';
  switch (e.type) {
    case 'supervision_started':
      return `${who} started ${m ? MODE_GERUND[m] : 'supervising'}${d.notify === true && m === 'coach' ? ' (agent notified)' : ''}`;
    case 'supervision_ringing':
      return `${who}’s phone is ringing`;
    case 'supervision_confirming':
      return `${who} is asked to press 1`;
    case 'supervision_joined':
      return `${who} joined (${mode ?? 'supervision'})`;
    case 'supervision_mode_changed':
      return `${who} switched from ${modeName(d.from)} to ${modeName(d.to)}${d.via === 'dtmf' ? ' on the phone keypad' : ''}`;
    case 'supervision_mode_refused':
      return `${who} asked for ${modeName(d.requested)} on the phone keypad: refused`;
    case 'supervision_ended':
      return `${who} left${typeof d.cause === 'string' ? ` (${humanize(d.cause).toLowerCase()})` : ''}`;
    case 'supervision_failed':
      return `${who}’s session failed${typeof d.failure === 'string' ? `: ${humanize(d.failure).toLowerCase()}` : ''}`;
    default:
      return `${humanize(e.type)}${e.actor ? ` · ${nameOf(e.actor)}` : ''}`;
  }
}
