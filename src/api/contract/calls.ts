import { Static, Type } from '@sinclair/typebox';
import { E164, Iso, Mode, StringEnum, UserId } from './common';

/** Live calls, their participants (supervisors included) and their timelines. */

export const SESSION_STATES = ['requested', 'dialing', 'ringing', 'confirming', 'active', 'ended', 'failed'] as const;
export const SessionState = StringEnum(SESSION_STATES);

export const SupervisionMark = Type.Object({
  sessionId: Type.String(),
  mode: Mode,
  state: SessionState,
  target: Type.String({ description: 'participant id of the supervised leg' }),
});

export const ParticipantView = Type.Object({
  id: Type.String({ description: 'leg id; for a supervisor, the session id' }),
  kind: StringEnum(['external', 'internal'] as const),
  role: StringEnum(['customer', 'agent', 'supervisor'] as const),
  userId: Type.Optional(Type.String()),
  address: Type.String(),
  status: StringEnum(['ringing', 'connected', 'left'] as const),
  held: Type.Boolean(),
  origin: Type.Optional(StringEnum(['call', 'transfer', 'consult', 'added'] as const)),
  supervision: Type.Optional(SupervisionMark),
});
export type ParticipantView = Static<typeof ParticipantView>;

export const Refusal = Type.Object({ code: Type.String(), message: Type.String() });

export const CallView = Type.Object({
  id: Type.String(),
  direction: StringEnum(['inbound', 'outbound'] as const),
  number: Type.String(),
  state: StringEnum(['ringing', 'active', 'held', 'transferring', 'transferred', 'ended'] as const),
  emergency: Type.Boolean(),
  startedAt: Iso,
  endedAt: Type.Optional(Iso),
  participants: Type.Array(ParticipantView),
  transfer: Type.Optional(
    Type.Object({
      kind: StringEnum(['blind', 'attended'] as const),
      by: Type.String(),
      target: Type.String(),
      phase: StringEnum(['dialing', 'consulting', 'completed'] as const),
    }),
  ),
  supervisable: Type.Boolean({ description: 'whether the asking user may supervise this call' }),
  reason: Type.Optional(Refusal),
});
export type CallView = Static<typeof CallView>;

export const CallList = Type.Object({ calls: Type.Array(CallView) });
export type CallList = Static<typeof CallList>;

export const ListCallsQuery = Type.Object({ number: Type.Optional(E164), agent: Type.Optional(UserId) }, { additionalProperties: false });
export type ListCallsQuery = Static<typeof ListCallsQuery>;

export const EVENT_KINDS = ['call', 'supervision', 'user'] as const;

export const TimelineEventView = Type.Object({
  seq: Type.Integer({ description: 'position on the call timeline (0 for events not on one)' }),
  at: Iso,
  kind: StringEnum(EVENT_KINDS),
  type: Type.String(),
  callId: Type.Optional(Type.String()),
  sessionId: Type.Optional(Type.String()),
  actor: Type.Optional(Type.String()),
  detail: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type TimelineEventView = Static<typeof TimelineEventView>;

export const Timeline = Type.Object({ callId: Type.String(), events: Type.Array(TimelineEventView) });
export type Timeline = Static<typeof Timeline>;

/** One Server-Sent Event's data on GET /v1/events (`id:` is `id`, `event:` is `type`). */
export const StreamEvent = Type.Object({ id: Type.Integer(), ...TimelineEventView.properties });
export type StreamEvent = Static<typeof StreamEvent>;
