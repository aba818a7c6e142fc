import { createHash, randomBytes } from 'node:crypto';
import type { RedisClient } from './client';
import { guard, parseJson } from './errors';
import { Keys } from './keys';

const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** Who a ticket was issued to: the user, and the bearer token (its sha256) they asked with. */
export interface TicketHolder {
  userId: string;
  tokenSha256: string;
}

/**
 * Single-use tickets for opening the event stream from a browser (EventSource cannot
 * send an Authorization header). A ticket is stored under its sha256, like bearer
 * tokens, with a TTL; opening the stream takes it with GETDEL, so of two requests
 * carrying the same ticket exactly one gets in.
 */
export class EventTicketStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** A new ticket, valid `ttlSec` seconds (256 random bits, base64url). */
  async issue(holder: TicketHolder, ttlSec: number): Promise<string> {
    const ticket = randomBytes(32).toString('base64url');
    await guard(() => this.redis.set(this.keys.eventTicket(sha256Hex(ticket)), JSON.stringify(holder), 'EX', ttlSec));
    return ticket;
  }

  /** Who the ticket was issued to, once: the ticket is gone afterwards. */
  async consume(ticket: string): Promise<TicketHolder | undefined> {
    const key = this.keys.eventTicket(sha256Hex(ticket));
    return parseJson<TicketHolder>(key, await guard(() => this.redis.getdel(key)));
  }
}
