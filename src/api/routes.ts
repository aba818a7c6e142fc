import { Type } from '@sinclair/typebox';
import {
  CallList, CallView, ErrorBody, Health, IdParams, ListCallsQuery, NumberInput, NumberList, NumberParams, NumberReplace,
  NumberView, OpenApiDocument, Ready, SessionView, StartSupervisionBody, StatusBody, StatusView, SwitchModeBody, MetricsText, EventStreamText,
  Timeline, TimelineQuery, UserIdParams, UserInput, UserList, UserReplace, UserView, errorResponses,
  EventTicket, EventsQuery, MeView, TextBody, ListSupervisionsQuery, SupervisionList, AddParticipantBody, ParticipantParams, ParticipantView,
} from '../contract';
import { sendJsonPage } from './json-page';
import { AnyRoute, route } from './route';
import { metricsText, openApi, readiness } from './handlers/ops';
import { streamEvents } from './handlers/events';
import { webFile } from './handlers/web';
import { bearerToken } from './auth';

/**
 * THE route table: every HTTP verb the app answers, its access, its schemas and its
 * handler, in one place. Handlers stay one-liners into the application layer; the
 * request is already authenticated, role-checked and validated against `schema`, and
 * the success body is serialized through the response schema (fields not in the
 * schema never leave the server).
 */

const STAFF = ['supervisor', 'admin'] as const;
const ADMIN = ['admin'] as const;
const Empty = Type.Null({ description: 'no body' });

export const ROUTES: readonly AnyRoute[] = [
  // ---- operations ----
  route({
    method: 'GET', url: '/healthz', summary: 'Liveness: the process is up', tags: ['ops'], access: 'public',
    schema: { response: { 200: Health, ...errorResponses } },
    handler: async () => ({ status: 200, body: { status: 'ok' as const } }),
  }),
  route({
    method: 'GET', url: '/readyz', summary: 'Readiness: Redis, drachtio and FreeSWITCH each reported; 503 when one is down', tags: ['ops'], access: 'public',
    schema: { response: { 200: Ready, 503: Ready, '4xx': ErrorBody } },
    handler: readiness,
  }),
  route({
    method: 'GET', url: '/metrics', summary: 'Prometheus metrics', tags: ['ops'], access: 'public',
    schema: { response: { 200: MetricsText, ...errorResponses } },
    handler: metricsText,
  }),
  route({
    method: 'GET', url: '/openapi.json', summary: 'This API as an OpenAPI 3 document', tags: ['ops'], access: 'public',
    schema: { response: { 200: OpenApiDocument, ...errorResponses } },
    handler: openApi,
  }),

  // ---- calls ----
  route({
    method: 'GET', url: '/v1/calls', summary: 'Live calls, optionally by number and/or agent (agents: their own calls), by id in pages of `limit` (follow `next`)', tags: ['calls'], access: 'user',
    schema: { querystring: ListCallsQuery, response: { 200: CallList, ...errorResponses } },
    handler: async ({ deps, user, query, reply }) => {
      const page = await deps.queries.list(user, query);
      return sendJsonPage(reply, 'calls', page.calls, CallView, page.next);
    },
  }),
  route({
    method: 'GET', url: '/v1/calls/:id', summary: 'A call: participants, supervisors with their mode, state, and what you may do on each participant (agents: their own calls)', tags: ['calls'], access: 'user',
    schema: { params: IdParams, response: { 200: CallView, ...errorResponses } },
    handler: async ({ deps, user, params }) => ({ status: 200, body: await deps.queries.detail(user, params.id) }),
  }),
  route({
    method: 'GET', url: '/v1/calls/:id/timeline', summary: 'What happened on a call, in order (kept TIMELINE_TTL after the end), in pages of `limit` (follow `next`)', tags: ['calls'], access: STAFF,
    schema: { params: IdParams, querystring: TimelineQuery, response: { 200: Timeline, ...errorResponses } },
    handler: async ({ deps, user, params, query }) => ({ status: 200, body: { callId: params.id, ...(await deps.queries.timeline(user, params.id, query)) } }),
  }),

  // ---- participants (a conference) ----
  route({
    method: 'POST', url: '/v1/calls/:id/participants', summary: 'Add a directory user or an external number to a live call: dialed by coachline, joined to the call (the call’s agent, or staff with the `conference` permission); answers once it rings', tags: ['calls'], access: 'user',
    schema: { params: IdParams, body: AddParticipantBody, response: { 201: ParticipantView, ...errorResponses } },
    handler: async ({ deps, user, params, body }) => ({ status: 201, body: await deps.service.addParticipant(user, params.id, body) }),
  }),
  route({
    method: 'DELETE', url: '/v1/calls/:id/participants/:pid', summary: 'Hang up one participant of a live call, or stop it ringing (the call’s agent, or staff with `conference`)', tags: ['calls'], access: 'user',
    schema: { params: ParticipantParams, response: { 200: ParticipantView, ...errorResponses } },
    handler: async ({ deps, user, params }) => ({ status: 200, body: await deps.service.removeParticipant(user, params.id, params.pid) }),
  }),

  // ---- supervision ----
  route({
    method: 'POST', url: '/v1/calls/:id/supervisions', summary: 'Start monitoring, coaching or barging: dials your device', tags: ['supervision'], access: STAFF,
    schema: { params: IdParams, body: StartSupervisionBody, response: { 201: SessionView, ...errorResponses } },
    handler: async ({ deps, user, params, body }) => ({ status: 201, body: await deps.service.startSupervision(user, params.id, body) }),
  }),
  route({
    method: 'GET', url: '/v1/supervisions', summary: 'Your live supervision session (admins: `?supervisor=` anyone’s), to find and end one that holds you busy', tags: ['supervision'], access: STAFF,
    schema: { querystring: ListSupervisionsQuery, response: { 200: SupervisionList, ...errorResponses } },
    handler: async ({ deps, user, query }) => ({ status: 200, body: { sessions: await deps.service.listSupervisions(user, query) } }),
  }),
  route({
    method: 'GET', url: '/v1/supervisions/:id', summary: 'A supervision session', tags: ['supervision'], access: STAFF,
    schema: { params: IdParams, response: { 200: SessionView, ...errorResponses } },
    handler: async ({ deps, user, params }) => ({ status: 200, body: await deps.service.getSupervision(user, params.id) }),
  }),
  route({
    method: 'PATCH', url: '/v1/supervisions/:id', summary: 'Switch mode on the same leg (no re-dial)', tags: ['supervision'], access: STAFF,
    schema: { params: IdParams, body: SwitchModeBody, response: { 200: SessionView, ...errorResponses } },
    handler: async ({ deps, user, params, body }) => ({ status: 200, body: await deps.service.switchMode(user, params.id, body.mode, body.notify) }),
  }),
  route({
    method: 'POST', url: '/v1/supervisions/:id/takeover', summary: 'Take the call over (`takeover` permission): your leg stays with the customer as the call’s participant, the agent is released, the session ends with reason `takeover`; you stay busy until you hang up', tags: ['supervision'], access: STAFF,
    schema: { params: IdParams, response: { 200: SessionView, ...errorResponses } },
    handler: async ({ deps, user, params }) => ({ status: 200, body: await deps.service.takeOver(user, params.id) }),
  }),
  route({
    method: 'DELETE', url: '/v1/supervisions/:id', summary: 'Stop: hang up the supervisor leg (idempotent)', tags: ['supervision'], access: STAFF,
    schema: { params: IdParams, response: { 200: SessionView, ...errorResponses } },
    handler: async ({ deps, user, params }) => ({ status: 200, body: await deps.service.stopSupervision(user, params.id) }),
  }),

  // ---- users ----
  route({
    method: 'GET', url: '/v1/me', summary: 'Who your token is, and your live supervision session', tags: ['directory'], access: 'user',
    schema: { response: { 200: MeView, ...errorResponses } },
    handler: async ({ deps, user }) => ({ status: 200, body: await deps.directory.me(user) }),
  }),
  route({
    method: 'GET', url: '/v1/users', summary: 'Users with role, device, status and numbers', tags: ['directory'], access: STAFF,
    schema: { response: { 200: UserList, ...errorResponses } },
    handler: async ({ deps }) => ({ status: 200, body: { users: await deps.directory.listUsers() } }),
  }),
  route({
    method: 'GET', url: '/v1/users/:id', summary: 'A user (agents: only themselves)', tags: ['directory'], access: 'user',
    schema: { params: UserIdParams, response: { 200: UserView, ...errorResponses } },
    handler: async ({ deps, user, params }) => ({ status: 200, body: await deps.directory.getUser(user, params.id) }),
  }),
  route({
    method: 'POST', url: '/v1/users', summary: 'Create a user', tags: ['directory'], access: ADMIN,
    schema: { body: UserInput, response: { 201: UserView, ...errorResponses } },
    handler: async ({ deps, body }) => ({ status: 201, body: await deps.directory.createUser(body) }),
  }),
  route({
    method: 'PUT', url: '/v1/users/:id', summary: 'Replace a user (tokens and sip kept when absent)', tags: ['directory'], access: ADMIN,
    schema: { params: UserIdParams, body: UserReplace, response: { 200: UserView, ...errorResponses } },
    handler: async ({ deps, params, body }) => ({ status: 200, body: await deps.directory.replaceUser(params.id, body) }),
  }),
  route({
    method: 'DELETE', url: '/v1/users/:id', summary: 'Delete a user (and take them out of distributions)', tags: ['directory'], access: ADMIN,
    schema: { params: UserIdParams, response: { 204: Empty, ...errorResponses } },
    handler: async ({ deps, params }) => {
      await deps.directory.deleteUser(params.id);
      return { status: 204, body: null };
    },
  }),
  route({
    method: 'PUT', url: '/v1/users/:id/status', summary: 'Set your status (admins: anyone’s); deferred while supervising', tags: ['directory'], access: 'user',
    schema: { params: UserIdParams, body: StatusBody, response: { 200: StatusView, ...errorResponses } },
    handler: async ({ deps, user, params, body }) => ({ status: 200, body: await deps.directory.setStatus(user, params.id, body.status) }),
  }),

  // ---- numbers ----
  route({
    method: 'GET', url: '/v1/numbers', summary: 'Numbers with distribution and flags', tags: ['directory'], access: STAFF,
    schema: { response: { 200: NumberList, ...errorResponses } },
    handler: async ({ deps }) => ({ status: 200, body: { numbers: await deps.directory.listNumbers() } }),
  }),
  route({
    method: 'GET', url: '/v1/numbers/:e164', summary: 'A number', tags: ['directory'], access: STAFF,
    schema: { params: NumberParams, response: { 200: NumberView, ...errorResponses } },
    handler: async ({ deps, params }) => ({ status: 200, body: await deps.directory.getNumber(params.e164) }),
  }),
  route({
    method: 'POST', url: '/v1/numbers', summary: 'Create a number', tags: ['directory'], access: ADMIN,
    schema: { body: NumberInput, response: { 201: NumberView, ...errorResponses } },
    handler: async ({ deps, body }) => ({ status: 201, body: await deps.directory.createNumber(body) }),
  }),
  route({
    method: 'PUT', url: '/v1/numbers/:e164', summary: 'Replace a number', tags: ['directory'], access: ADMIN,
    schema: { params: NumberParams, body: NumberReplace, response: { 200: NumberView, ...errorResponses } },
    handler: async ({ deps, params, body }) => ({ status: 200, body: await deps.directory.replaceNumber(params.e164, body) }),
  }),
  route({
    method: 'DELETE', url: '/v1/numbers/:e164', summary: 'Delete a number', tags: ['directory'], access: ADMIN,
    schema: { params: NumberParams, response: { 204: Empty, ...errorResponses } },
    handler: async ({ deps, params }) => {
      await deps.directory.deleteNumber(params.e164);
      return { status: 204, body: null };
    },
  }),

  // ---- live events ----
  route({
    method: 'GET', url: '/v1/events', summary: 'Server-Sent Events of call, supervision and user events you may see; resumes after Last-Event-ID', tags: ['events'], access: 'user',
    ticketAuth: true,
    schema: { querystring: EventsQuery, response: { 200: EventStreamText, ...errorResponses } },
    handler: streamEvents,
  }),
  route({
    method: 'POST', url: '/v1/events/tickets', summary: 'A single-use ticket (30 s) to open GET /v1/events?ticket= from a browser, whose EventSource cannot send Authorization', tags: ['events'], access: 'user',
    schema: { body: Type.Optional(Empty), response: { 201: EventTicket, ...errorResponses } },
    handler: async ({ deps, user, request }) => ({ status: 201, body: await deps.tickets.issue(user, bearerToken(request.headers.authorization)!) }),
  }),

  // ---- the live supervision page (src/web), from its built files ----
  route({
    method: 'GET', url: '/', summary: 'The live supervision web page', tags: ['web'], access: 'public',
    schema: { response: { 200: TextBody('text/html', 'the page'), ...errorResponses } },
    handler: webFile('index.html'),
  }),
  route({
    method: 'GET', url: '/app.js', summary: 'The page’s script', tags: ['web'], access: 'public',
    schema: { response: { 200: TextBody('text/javascript', 'the page’s script'), ...errorResponses } },
    handler: webFile('app.js'),
  }),
  route({
    method: 'GET', url: '/style.css', summary: 'The page’s styles', tags: ['web'], access: 'public',
    schema: { response: { 200: TextBody('text/css', 'the page’s styles'), ...errorResponses } },
    handler: webFile('style.css'),
  }),
  route({
    method: 'GET', url: '/favicon.svg', summary: 'The page’s icon', tags: ['web'], access: 'public',
    schema: { response: { 200: TextBody('image/svg+xml', 'the page’s icon'), ...errorResponses } },
    handler: webFile('favicon.svg'),
  }),
];
