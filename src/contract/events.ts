import { Static, Type } from '@sinclair/typebox';
import { StringEnum } from './common';

/** The live event stream and the tickets a browser opens it with. */

export const EventTicket = Type.Object({
  ticket: Type.String({ description: 'single-use; pass as ?ticket= to GET /v1/events' }),
  expiresInSec: Type.Integer({ description: 'seconds the ticket stays valid if unused' }),
  lastEventId: Type.Integer({
    description: 'the newest event id when the ticket was issued: read the state, then open the stream with ?lastEventId= this, and nothing in between is missed',
  }),
});
export type EventTicket = Static<typeof EventTicket>;

const Ticket = Type.String({ minLength: 16, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' });

export const EventsQuery = Type.Object(
  {
    ticket: Type.Optional(Ticket),
    lastEventId: Type.Optional(
      Type.String({ maxLength: 16, pattern: '^[0-9]+$', description: 'resume after this event id (for a new EventSource, which cannot set the Last-Event-ID header)' }),
    ),
    dispatch: Type.Optional(
      StringEnum(['named', 'message'] as const, 'named (default): `event:` is the event type; message: every event unnamed, its type in data.type (one onmessage handler)'),
    ),
  },
  { additionalProperties: false },
);
export type EventsQuery = Static<typeof EventsQuery>;
