import type { User } from '../domain';
import type { EventTicket } from '../contract';
import type { Store } from '../store';
import { sha256Hex } from './credentials';
import type { DirectoryService } from './directory-service';

/**
 * How long an event-stream ticket stays valid unused. A page asks for one right before
 * it opens the stream, so a few seconds would do; 30 s leaves room for a slow network
 * while keeping a ticket copied out of a log or history useless soon after.
 */
export const EVENT_TICKET_TTL_SEC = 30;

/**
 * Tickets for GET /v1/events from a browser: EventSource cannot send an Authorization
 * header, and a long-lived bearer token must never be put in a URL (logs, history,
 * Referer). A ticket is issued to an authenticated request, is single-use and bound to
 * the token it was asked with: redeeming it checks that the token still belongs to the
 * user, so revoking a token also voids the tickets it obtained.
 */
export class EventTickets {
  constructor(
    private readonly store: Store,
    private readonly directory: DirectoryService,
  ) {}

  async issue(user: User, bearerToken: string): Promise<EventTicket> {
    const [ticket, lastEventId] = await Promise.all([
      this.store.tickets.issue({ userId: user.id, tokenSha256: sha256Hex(bearerToken) }, EVENT_TICKET_TTL_SEC),
      this.store.events.lastId(),
    ]);
    return { ticket, expiresInSec: EVENT_TICKET_TTL_SEC, lastEventId };
  }

  /**
   * The user a ticket was issued to and the token (sha256) it was asked with, if it is
   * unused, unexpired and that token still the user's; the ticket is spent either way.
   */
  async redeem(ticket: string): Promise<{ user: User; tokenSha256: string } | undefined> {
    const holder = await this.store.tickets.consume(ticket);
    if (!holder) return undefined;
    const user = await this.directory.authenticateHash(holder.tokenSha256);
    return user && user.id === holder.userId ? { user, tokenSha256: holder.tokenSha256 } : undefined;
  }
}
