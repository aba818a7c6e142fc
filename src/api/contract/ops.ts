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

export const Text = Type.String({ description: 'text body' });
export const OpenApiDocument = Type.Object({}, { additionalProperties: true, description: 'OpenAPI 3 document' });
