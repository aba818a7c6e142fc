import { Static, TObject, TSchema, TUnion, Type } from '@sinclair/typebox';
import { DIALECTS, MODES, PERMISSIONS, ROLES, SESSION_STATES, STATUSES } from './values';

/** Building blocks shared by every route schema. */

/** A string enum as plain JSON Schema `enum` (clean OpenAPI and one-line validation errors). */
export const StringEnum = <const T extends readonly string[]>(values: T, description?: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });

/**
 * A union told apart by a tag property (`kind`): JSON Schema oneOf + discriminator, so
 * a bad value gets the one error of its own variant, not one per variant.
 */
export const TaggedUnion = <T extends TObject[]>(tag: string, variants: [...T], description?: string) =>
  Type.Unsafe<Static<TUnion<T>>>({
    type: 'object',
    oneOf: variants,
    discriminator: { propertyName: tag },
    required: [tag],
    ...(description ? { description } : {}),
  });

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable, machine-readable' }),
      message: Type.String({ description: 'one sentence for people' }),
      sessionId: Type.Optional(Type.String({ description: '`supervisor_busy`: your live session that holds you (see it with GET, end it with DELETE /v1/supervisions/:id)' })),
    }),
  },
  { description: 'Every refusal and failure' },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** Opaque ids made by the app (calls, legs, sessions): printable ASCII, no spaces. */
export const Ident = Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7E]+$' });
export const UserId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });
/** A coachline number: E.164 with +, or a short code (emergency numbers). */
export const E164 = Type.String({ minLength: 2, maxLength: 16, pattern: '^\\+?[0-9]{2,15}$' });
export const Iso = Type.String({ description: 'ISO 8601 time' });

export const Role = StringEnum(ROLES);
export const Mode = StringEnum(MODES, 'monitor: listen; coach: whisper to the agent; barge: join openly');
export const Permission = StringEnum(PERMISSIONS, 'monitor, coach, barge: the supervision modes; conference: add and remove participants on a live call; takeover: take a supervised call over from its agent');
export const Status = StringEnum(STATUSES);
export const Dialect = StringEnum(DIALECTS, 'auto-answer headers the desk phone understands');
export const SessionState = StringEnum(SESSION_STATES);

export const IdParams = Type.Object({ id: Ident }, { additionalProperties: false });
export const UserIdParams = Type.Object({ id: UserId }, { additionalProperties: false });
export const NumberParams = Type.Object({ e164: E164 }, { additionalProperties: false });

/** The error responses every route may give; success codes are added per route. */
export const errorResponses = {
  '4xx': ErrorBody,
  '5xx': ErrorBody,
} satisfies Record<string, TSchema>;
