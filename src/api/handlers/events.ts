import { sha256Hex } from '../../app/credentials';
import { bearerToken } from '../auth';
import type { TSchema } from '@sinclair/typebox';
import type { EventsQuery } from '../../contract';
import { CoachlineError } from '../../domain';
import type { RouteContext } from '../route';

/**
 * Where a stream resumes: the Last-Event-ID header an EventSource sends when it
 * reconnects by itself, else ?lastEventId= (a new EventSource cannot set the header).
 */
function lastEventId(header: string | string[] | undefined, query: string | undefined): number | undefined {
  const v = header ?? query;
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^[0-9]{1,16}$/.test(v)) throw new CoachlineError('bad_request', 'Last-Event-ID must be an event id (digits)');
  return Number(v);
}

export const EVENT_STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
} as const;

/**
 * GET /v1/events: hands the connection to the event hub, which filters per user and
 * ends the stream when the token it was opened with is revoked. HEAD gets the headers
 * a GET would and no stream.
 */
export async function streamEvents({ deps, user, reply, request, query }: RouteContext<{ querystring: typeof EventsQuery; response: Record<string, TSchema> }, 'user'>): Promise<'hijacked'> {
  const resumeAfter = lastEventId(request.headers['last-event-id'], query.lastEventId);
  reply.hijack();
  if (request.method === 'HEAD') {
    reply.raw.writeHead(200, EVENT_STREAM_HEADERS);
    reply.raw.end();
    return 'hijacked';
  }
  request.log.info({ userId: user.id }, 'event stream opened');
  const token = bearerToken(request.headers.authorization);
  const hash = request.coachlineTicketTokenSha256 ?? (token === undefined ? undefined : sha256Hex(token));
  deps.events.add(user, reply.raw, hash === undefined ? undefined : () => deps.directory.authenticateHash(hash), {
    ...(resumeAfter !== undefined ? { resumeAfter } : {}),
    named: query.dispatch !== 'message',
  });
  return 'hijacked';
}
