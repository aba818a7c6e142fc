/**
 * The HTTP API (SPEC §6) on Fastify, logging through the app's pino logger.
 *
 *   const app = await buildApiServer({ service, store, health, logger, config,
 *                                      directory?, queries?, metrics?, clock? });
 *   await app.listen({ host: config.http.host, port: config.http.port });
 *   await app.eventsReady;   // optional: the Redis event subscription is confirmed
 *   await app.close();       // ends event streams and the subscription
 *
 * `health` holds the drachtio and FreeSWITCH probes for /readyz (Redis is probed here).
 * Routes are in routes.ts, the one table; schemas and their types in src/contract/.
 */
import Fastify, { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { User } from '../domain';
import type { Store } from '../store';
import { CallQueries } from '../app/call-queries';
import { Clock, systemClock } from '../app/deps';
import { DirectoryService } from '../app/directory-service';
import { EventTickets } from '../app/event-tickets';
import { Metrics } from '../app/metrics';
import type { SupervisionService } from '../app/supervision-service';
import { authenticate, authorize } from './auth';
import { authenticateTicket } from './ticket-auth';
import { securityHeaders } from './security-headers';
import { WebAssets, loadWebAssets } from './web-assets';
import { AuthThrottle } from './auth-throttle';
import { clientErrorHandler } from './client-errors';
import { requestSerializer } from './log-redaction';
import type { ApiDeps, HealthProbes } from './deps';
import { errorHandler, notFoundHandler } from './errors';
import { AnyRoute } from './route';
import { ROUTES } from './routes';
import { EventStreamHub } from './sse';

export interface ApiServerOptions {
  service: SupervisionService;
  store: Store;
  health: HealthProbes;
  logger: Logger;
  config: Config;
  directory?: DirectoryService;
  queries?: CallQueries;
  metrics?: Metrics;
  clock?: Clock;
  /** The web page's files (default: the built ones in dist/web; without them `/` answers 503 web_not_built). */
  web?: WebAssets;
}

export type ApiServer = FastifyInstance & { eventsReady: Promise<void> };

declare module 'fastify' {
  interface FastifyRequest {
    coachlineUser?: User;
  }
}

export async function buildApiServer(o: ApiServerOptions): Promise<ApiServer> {
  const clock = o.clock ?? systemClock;
  const metrics = o.metrics ?? new Metrics();
  const directory = o.directory ?? new DirectoryService({ store: o.store, config: o.config, clock });
  const deps: ApiDeps = {
    service: o.service,
    store: o.store,
    health: o.health,
    logger: o.logger,
    config: o.config,
    metrics,
    clock,
    directory,
    queries: o.queries ?? new CallQueries({ store: o.store, clock }),
    events: new EventStreamHub(o.store, o.logger, metrics),
    tickets: new EventTickets(o.store, directory),
    web: o.web ?? loadWebAssets(),
    authThrottle: new AuthThrottle(o.store.rateLimits, o.config.limits.authFailures, o.config.limits.authFailureWindowMs),
  };
  const http = o.config.http;

  const app = Fastify({
    loggerInstance: o.logger.child({}, { serializers: { req: requestSerializer } }) as FastifyBaseLogger,
    bodyLimit: http.bodyLimitBytes,
    // Slow or idle clients are cut off (event streams set their own socket timeout off).
    connectionTimeout: http.idleTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    requestTimeout: http.requestTimeoutMs,
    maxRequestsPerSocket: http.maxRequestsPerSocket,
    // Node checks the headers and request timeouts on this interval (30 s by default).
    http: { headersTimeout: http.headersTimeoutMs, connectionsCheckingInterval: Math.min(1000, Math.ceil(http.headersTimeoutMs / 2)) },
    clientErrorHandler,
    trustProxy: http.trustProxy.length > 0 ? http.trustProxy : false,
    // Types are what the schema says: "true" is not a boolean, ["coach"] not a mode.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false, discriminator: true } },
    return503OnClosing: true,
    // Ids longer than their schemas allow reach the schemas (400) instead of the router's 414.
    routerOptions: { maxParamLength: 256 },
    // Malformed URLs and router refusals answer in the API's error format too.
    frameworkErrors: (err, request, reply) => errorHandler(err, request, reply),
  });
  app.server.maxConnections = http.maxConnections;
  // JSON only: a text/plain body is refused (415) rather than parsed into a string.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler(errorHandler);
  app.addHook('onSend', securityHeaders);
  app.setNotFoundHandler(notFoundHandler);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'coachline', version: '1', description: 'Live call supervision: monitor, coach and barge on live calls.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });

  app.addHook('onResponse', async (req, reply) => {
    metrics.httpRequests.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  for (const def of ROUTES) register(app, def, deps);

  const eventsReady = deps.events.start();
  eventsReady.catch(() => undefined);
  app.decorate('eventsReady', eventsReady);
  // Open streams would keep server.close() waiting for ever: they end first.
  app.addHook('preClose', async () => deps.events.endAll());
  app.addHook('onClose', async () => {
    await deps.events.close();
  });
  return app as unknown as ApiServer;
}

function register(app: FastifyInstance, def: AnyRoute, deps: ApiDeps): void {
  app.route({
    method: def.method,
    url: def.url,
    schema: {
      ...def.schema,
      summary: def.summary,
      tags: def.tags,
      ...(def.access === 'public' ? {} : { security: [{ bearer: [] }] }),
    },
    onRequest: async (request: FastifyRequest) => {
      if (def.access === 'public') return;
      const user =
        def.ticketAuth && request.headers.authorization === undefined
          ? await authenticateTicket(request, deps.tickets, deps.authThrottle)
          : await authenticate(request, deps.directory, deps.authThrottle);
      authorize(user, def.access);
      request.coachlineUser = user;
    },
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const r = (await def.handler({
        params: request.params as never,
        query: request.query as never,
        body: request.body as never,
        user: request.coachlineUser as never,
        deps,
        request,
        reply,
      })) as { status: number; body: unknown } | 'hijacked' | 'sent';
      if (r === 'hijacked' || r === 'sent') return reply;
      if (r.status === 204) return reply.code(204).send();
      return reply.code(r.status).send(r.body);
    },
  });
}
