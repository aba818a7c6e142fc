import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Role, User } from '../domain';
import type { ApiDeps } from './deps';

/**
 * The shape of one entry of the route table, typed from its schemas: a handler's
 * params, query, body and success replies are the Static<> types of the schemas the
 * request is validated and the response serialized with — one source.
 */
export interface RouteSchema {
  params?: TSchema;
  querystring?: TSchema;
  body?: TSchema;
  response: Record<number | string, TSchema>;
}

/** `public`: no token; `user`: any authenticated user; or the roles allowed. */
export type Access = 'public' | 'user' | readonly Role[];

type In<T> = T extends TSchema ? Static<T> : undefined;
type SuccessCodes<R extends RouteSchema> = Extract<keyof R['response'], 200 | 201 | 202 | 204>;
export type Success<R extends RouteSchema> = {
  [K in SuccessCodes<R>]: { status: K; body: Static<R['response'][K]> };
}[SuccessCodes<R>];

export interface RouteContext<R extends RouteSchema, A extends Access> {
  params: In<R['params']>;
  query: In<R['querystring']>;
  body: In<R['body']>;
  user: A extends 'public' ? undefined : User;
  deps: ApiDeps;
  request: FastifyRequest;
  reply: FastifyReply;
}

/**
 * A handler returns its success reply; or 'hijacked' when it took the raw response over
 * (SSE), or 'sent' when it sent an already serialized body itself (json-page.ts).
 */
export type Handler<R extends RouteSchema, A extends Access> = (ctx: RouteContext<R, A>) => Promise<Success<R> | 'hijacked' | 'sent'>;

export interface RouteDef<R extends RouteSchema = RouteSchema, A extends Access = Access> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  summary: string;
  tags: string[];
  access: A;
  /** Also let in a single-use `?ticket=` instead of the Authorization header (EventSource cannot send one). */
  ticketAuth?: boolean;
  schema: R;
  handler: Handler<R, A>;
}

export type AnyRoute = RouteDef<RouteSchema, Access>;

/** Declares a route; the generic check happens here, the table holds them erased. */
export function route<R extends RouteSchema, A extends Access>(def: RouteDef<R, A>): AnyRoute {
  return def as unknown as AnyRoute;
}
