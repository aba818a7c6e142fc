import type { FastifyRequest } from 'fastify';
import type { User } from '../domain';
import type { EventTickets } from '../app/event-tickets';
import type { AuthThrottle } from './auth-throttle';
import { ApiError } from './errors';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the request got in with an event-stream ticket: the sha256 of the token that asked for it. */
    coachlineTicketTokenSha256?: string;
  }
}

/**
 * Auth by a single-use ticket in `?ticket=` (GET /v1/events from a browser's
 * EventSource, which cannot send Authorization). The ticket is spent on the first
 * try, valid or not for the route, so a URL copied out of a log never opens anything.
 * Failures count against the source address like wrong bearer tokens.
 */
export async function authenticateTicket(request: FastifyRequest, tickets: EventTickets, throttle: AuthThrottle): Promise<User> {
  const ticket = (request.query as { ticket?: unknown } | undefined)?.ticket;
  if (typeof ticket !== 'string' || ticket === '') {
    throw new ApiError('unauthorized', 'send Authorization: Bearer <token>, or ?ticket= from POST /v1/events/tickets');
  }
  await throttle.check(request.ip);
  const holder = /^[A-Za-z0-9_-]{16,128}$/.test(ticket) ? await tickets.redeem(ticket) : undefined;
  if (!holder) {
    await throttle.failed(request.ip);
    throw new ApiError('unauthorized', 'unknown, used or expired event-stream ticket; ask POST /v1/events/tickets for a new one');
  }
  request.coachlineTicketTokenSha256 = holder.tokenSha256;
  return holder.user;
}
