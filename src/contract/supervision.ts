import { Static, Type } from '@sinclair/typebox';
import { Ident, Iso, Mode, SessionState, StringEnum, UserId } from './common';
import { SESSION_REASONS } from './values';

/** Starting, switching and stopping a supervision session. */

export const StartSupervisionBody = Type.Object(
  {
    target: Type.String({
      ...Ident,
      description: 'a participant id, or `internal` (the agent, when there is one) / `external` (the customer)',
    }),
    mode: Mode,
    notify: Type.Optional(Type.Boolean({ description: 'coach only: play a short tone to the agent when the coach joins' })),
    confirm: Type.Optional(Type.Boolean({ description: 'press 1 before hearing anything (voicemail guard); always on where the device asks for it' })),
  },
  { additionalProperties: false },
);
export type StartSupervisionBody = Static<typeof StartSupervisionBody>;

export const SwitchModeBody = Type.Object(
  {
    mode: Mode,
    notify: Type.Optional(Type.Boolean({ description: 'switching to coach: play the tone to the agent (and tell them who coaches) — default: as the session was started' })),
  },
  { additionalProperties: false },
);
export type SwitchModeBody = Static<typeof SwitchModeBody>;

export const SessionView = Type.Object({
  id: Type.String(),
  callId: Type.String(),
  supervisorId: Type.String(),
  target: Type.String(),
  mode: Mode,
  notify: Type.Boolean(),
  confirm: Type.Boolean(),
  state: SessionState,
  reason: Type.Optional(StringEnum(SESSION_REASONS)),
  createdAt: Iso,
  updatedAt: Iso,
  joinedAt: Type.Optional(Iso),
  endedAt: Type.Optional(Iso),
});
export type SessionView = Static<typeof SessionView>;

export const ListSupervisionsQuery = Type.Object(
  { supervisor: Type.Optional(Type.Unsafe<string>({ ...UserId, description: 'whose sessions (default: yours; admins: anyone’s)' })) },
  { additionalProperties: false },
);
export type ListSupervisionsQuery = Static<typeof ListSupervisionsQuery>;

/** A supervisor's live sessions: at most one by the rules, listed so a stuck one can be found and ended. */
export const SupervisionList = Type.Object({ sessions: Type.Array(SessionView) });
export type SupervisionList = Static<typeof SupervisionList>;
