import type { RouteContext, RouteSchema } from '../route';

/** GET /v1/events: hands the connection to the event hub, which filters per user. */
export async function streamEvents({ deps, user, reply, request }: RouteContext<RouteSchema, 'user'>): Promise<'hijacked'> {
  reply.hijack();
  request.log.info({ userId: user.id }, 'event stream opened');
  deps.events.add(user, reply.raw);
  return 'hijacked';
}
