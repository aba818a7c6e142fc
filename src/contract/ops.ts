import { Static, Type } from '@sinclair/typebox';

/** Liveness, readiness, metrics and the OpenAPI document. */

export const Health = Type.Object({ status: Type.Literal('ok') });
export type Health = Static<typeof Health>;

export const Check = Type.Object({
  ok: Type.Boolean(),
  detail: Type.Optional(Type.String()),
  latencyMs: Type.Optional(Type.Number()),
});
export type Check = Static<typeof Check>;

export const Ready = Type.Object({
  ready: Type.Boolean(),
  checks: Type.Object({ redis: Check, drachtio: Check, freeswitch: Check }),
});
export type Ready = Static<typeof Ready>;

/** A non-JSON success body, documented under its media type. */
export const TextBody = (mediaType: string, description: string) =>
  Type.Unsafe<string>({ description, content: { [mediaType]: { schema: { type: 'string' } } } });
export const MetricsText = TextBody('text/plain', 'Prometheus text exposition format');
export const EventStreamText = TextBody('text/event-stream', 'Server-Sent Events; each data line is a StreamEvent');
export const OpenApiDocument = Type.Object({}, { additionalProperties: true, description: 'OpenAPI 3 document' });
