import { Static, Type } from '@sinclair/typebox';
import { Dialect, E164, Permission, Role, Status, TaggedUnion, UserId } from './common';

/** Users and numbers: API bodies and the directory file share these schemas. */

const SipUri = Type.String({ minLength: 5, maxLength: 256, pattern: '^sips?:[^\\s<>"]+$' });

export const DeviceInput = TaggedUnion(
  'kind',
  [
    Type.Object({ kind: Type.Literal('sip_uri'), uri: SipUri, dialect: Type.Optional(Dialect) }, { additionalProperties: false }),
    Type.Object({ kind: Type.Literal('registered'), dialect: Type.Optional(Dialect) }, { additionalProperties: false }),
    Type.Object(
      {
        kind: Type.Literal('remote_number'),
        number: E164,
        ringTimeoutSec: Type.Optional(Type.Integer({ minimum: 5, maximum: 300 })),
        voicemailGuard: Type.Optional(Type.Boolean({ description: 'press 1 before hearing anything' })),
      },
      { additionalProperties: false },
    ),
  ],
  'where the supervisor is dialed: a SIP desk phone (auto-answer), a registered phone, or a remote number that rings',
);
export type DeviceInput = Static<typeof DeviceInput>;

export const Device = Type.Union([
  Type.Object({ kind: Type.Literal('sip_uri'), uri: Type.String(), dialect: Dialect }),
  Type.Object({ kind: Type.Literal('registered'), dialect: Dialect }),
  Type.Object({ kind: Type.Literal('remote_number'), number: Type.String(), ringTimeoutSec: Type.Integer(), voicemailGuard: Type.Boolean() }),
]);
export type Device = Static<typeof Device>;

const Token = Type.String({ minLength: 20, maxLength: 256, pattern: '^[\\x21-\\x7E]+$', description: 'plaintext bearer token; only its sha256 is stored' });
const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'sha256 of a bearer token, lowercase hex' });
const SipUsername = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._~+-]+$' });

export const SipCredentialInput = Type.Object(
  {
    username: SipUsername,
    password: Type.Optional(Type.String({ minLength: 8, maxLength: 128, description: 'turned into HA1 with SIP_DOMAIN as realm, then dropped' })),
    ha1: Type.Optional(Type.String({ pattern: '^[0-9a-f]{32}$', description: 'md5(username:realm:password)' })),
    realm: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'realm of ha1 (default SIP_DOMAIN)' })),
  },
  {
    additionalProperties: false,
    oneOf: [{ required: ['password'] }, { required: ['ha1'] }],
    description: 'digest credentials of the user’s phone, for the registrar: a password or its HA1, not both',
  },
);
export type SipCredentialInput = Static<typeof SipCredentialInput>;

const userFields = {
  name: Type.String({ minLength: 1, maxLength: 128 }),
  role: Role,
  permissions: Type.Optional(Type.Array(Permission, { uniqueItems: true, maxItems: 5 })),
  device: Type.Optional(DeviceInput),
  tokens: Type.Optional(Type.Array(Token, { maxItems: 16 })),
  tokenSha256: Type.Optional(Type.Array(Sha256, { maxItems: 16 })),
  sip: Type.Optional(SipCredentialInput),
};

export const UserInput = Type.Object(
  { id: UserId, ...userFields, status: Type.Optional(Status) },
  { additionalProperties: false },
);
export type UserInput = Static<typeof UserInput>;

/** PUT: replaces the profile; tokens and sip, when absent, are kept as they were. */
export const UserReplace = Type.Object(userFields, { additionalProperties: false });
export type UserReplace = Static<typeof UserReplace>;

export const UserView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Role,
  permissions: Type.Array(Permission),
  device: Type.Optional(Device),
  numbers: Type.Array(Type.String()),
  status: Status,
  tokenCount: Type.Integer(),
  sipUsername: Type.Optional(Type.String()),
});
export type UserView = Static<typeof UserView>;
export const UserList = Type.Object({ users: Type.Array(UserView) });
export type UserList = Static<typeof UserList>;

export const StatusBody = Type.Object({ status: Status }, { additionalProperties: false });
export type StatusBody = Static<typeof StatusBody>;
export const StatusView = Type.Object({
  id: Type.String(),
  status: Status,
  after: Type.Optional(Status),
});
export type StatusView = Static<typeof StatusView>;

export const NumberInput = Type.Object(
  {
    e164: E164,
    name: Type.String({ minLength: 1, maxLength: 128 }),
    distribution: Type.Array(UserId, { uniqueItems: true, maxItems: 1000 }),
    emergency: Type.Optional(Type.Boolean()),
    supervisable: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type NumberInput = Static<typeof NumberInput>;
export const NumberReplace = Type.Omit(NumberInput, ['e164'], { additionalProperties: false });
export type NumberReplace = Static<typeof NumberReplace>;

export const NumberView = Type.Object({
  e164: Type.String(),
  name: Type.String(),
  distribution: Type.Array(Type.String()),
  emergency: Type.Boolean(),
  supervisable: Type.Boolean(),
});
export type NumberView = Static<typeof NumberView>;
export const NumberList = Type.Object({ numbers: Type.Array(NumberView) });
export type NumberList = Static<typeof NumberList>;

/** The directory file (YAML or JSON) named by DIRECTORY_FILE. */
export const DirectoryFile = Type.Object(
  {
    users: Type.Optional(Type.Array(UserInput)),
    numbers: Type.Optional(Type.Array(NumberInput)),
  },
  { additionalProperties: false },
);
export type DirectoryFile = Static<typeof DirectoryFile>;
