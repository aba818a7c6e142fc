import { Static, Type } from '@sinclair/typebox';
import { E164, Ident, Iso, Mode, SessionState, StringEnum, UserId } from './common';
import { SessionView } from './supervision';
import { CALLS_PAGE, CALL_STATES, EVENT_KINDS, PARTICIPANT_ORIGINS, TIMELINE_PAGE } from './values';

/** Live calls, their participants (supervisors included) and their timelines. */

export const SupervisionMark = Type.Object({
  sessionId: Type.String(),
  mode: Mode,
  state: SessionState,
  target: Type.String({ description: 'participant id of the supervised leg' }),
  heardByTarget: Type.Boolean({
    description:
      'whether the target hears the supervisor right now: true for an active coach or barge, false for monitor, and false while the target agent’s own phone holds (it plays nothing then; see docs/ARCHITECTURE.md, “Hold”)',
  }),
});

export const Refusal = Type.Object({ code: Type.String(), message: Type.String() });
export type Refusal = Static<typeof Refusal>;

/**
 * One supervision action on one participant, decided for the asking user by the same
 * rules a POST (or, on the target of their own session, a PATCH) would meet.
 */
export const ParticipantAction = Type.Object({
  mode: Mode,
  allowed: Type.Boolean(),
  current: Type.Optional(Type.Boolean({ description: 'your live session on this participant is in this mode' })),
  reason: Type.Optional(Refusal),
});
export type ParticipantAction = Static<typeof ParticipantAction>;

export const ParticipantView = Type.Object({
  id: Type.String({ description: 'leg id; for a supervisor, the session id' }),
  kind: StringEnum(['external', 'internal'] as const),
  role: StringEnum(['customer', 'agent', 'supervisor'] as const),
  userId: Type.Optional(Type.String()),
  name: Type.Optional(Type.String({ description: 'the directory name of an internal participant' })),
  address: Type.String(),
  status: StringEnum(['ringing', 'connected', 'left'] as const),
  held: Type.Boolean(),
  origin: Type.Optional(StringEnum(PARTICIPANT_ORIGINS, 'call: an original leg; transfer: a transfer target; consult: a colleague consulted before an attended transfer; added: added to the call (POST /v1/calls/:id/participants); takeover: a supervisor who took the call over')),
  supervision: Type.Optional(SupervisionMark),
  actions: Type.Optional(
    Type.Array(ParticipantAction, { description: 'GET /v1/calls/:id only, for supervisors and admins: what you may do on this participant, refusals with their reason' }),
  ),
});
export type ParticipantView = Static<typeof ParticipantView>;

export const CallView = Type.Object({
  id: Type.String(),
  direction: StringEnum(['inbound', 'outbound', 'internal'] as const, 'internal: an agent calling a colleague, with no customer (never supervised)'),
  number: Type.String(),
  numberName: Type.Optional(Type.String({ description: 'the number’s name in the directory' })),
  state: StringEnum(CALL_STATES),
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
  /** GET /v1/calls/:id only: the asking user's live supervision session on this call. */
  yourSession: Type.Optional(SessionView),
});
export type CallView = Static<typeof CallView>;

/** Listings come in pages: `limit` (a query string, so digits) and `cursor`, the `next` of the page before (sizes in ./values). */
const PageLimit = (page: { default: number; max: number }) =>
  Type.String({ pattern: '^[0-9]{1,4}$', description: `page size, 1 to ${page.max} (default ${page.default})` });
const Cursor = Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9_-]+$', description: 'opaque: the `next` of the page before' });
const Next = Type.Optional(Type.String({ description: 'cursor of the next page; absent on the last page' }));

export const CallList = Type.Object({ calls: Type.Array(CallView), next: Next });
export type CallList = Static<typeof CallList>;

export const ListCallsQuery = Type.Object(
  { number: Type.Optional(E164), agent: Type.Optional(UserId), limit: Type.Optional(PageLimit(CALLS_PAGE)), cursor: Type.Optional(Cursor) },
  { additionalProperties: false },
);
export type ListCallsQuery = Static<typeof ListCallsQuery>;

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

export const Timeline = Type.Object({ callId: Type.String(), events: Type.Array(TimelineEventView), next: Next });

export const TimelineQuery = Type.Object({ limit: Type.Optional(PageLimit(TIMELINE_PAGE)), cursor: Type.Optional(Cursor) }, { additionalProperties: false });
export type TimelineQuery = Static<typeof TimelineQuery>;
export type Timeline = Static<typeof Timeline>;

/** One Server-Sent Event's data on GET /v1/events (`id:` is `id`, `event:` is `type`). */
export const StreamEvent = Type.Object({ id: Type.Integer(), ...TimelineEventView.properties });
export type StreamEvent = Static<typeof StreamEvent>;

/** POST /v1/calls/:id/participants: a directory user (dialed at their own device) or an external number (through the trunk). */
export const AddParticipantBody = Type.Object(
  {
    userId: Type.Optional(Type.Unsafe<string>({ ...UserId, description: 'a directory user, dialed at their device' })),
    number: Type.Optional(Type.String({ minLength: 2, maxLength: 20, pattern: '^\\+?[0-9*#]{2,19}$', description: 'an external number, dialed through the trunk' })),
  },
  { additionalProperties: false, oneOf: [{ required: ['userId'] }, { required: ['number'] }], description: 'exactly one of userId or number' },
);
export type AddParticipantBody = Static<typeof AddParticipantBody>;

export const ParticipantParams = Type.Object(
  { id: Ident, pid: Ident },
  { additionalProperties: false },
);
export type ParticipantParams = Static<typeof ParticipantParams>;
