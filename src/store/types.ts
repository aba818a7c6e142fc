import type { Call, NumberEntry, Session, User, UserStatus } from '../domain';

/** Store-side records: the domain objects plus what only storage needs. */

export interface CallRecord {
  call: Call;
  /** Instance id of the app that owns the call's SIP dialogs (see SupervisionService). */
  owner: string;
  startedAt: string;
  updatedAt: string;
  endedAt?: string;
}

export interface SessionRecord {
  session: Session;
  owner: string;
  createdAt: string;
  updatedAt: string;
  joinedAt?: string;
  endedAt?: string;
}

/** SIP digest credentials for a phone, for the registrar: HA1 = md5(username:realm:password). */
export interface SipCredential {
  username: string;
  realm: string;
  ha1: string;
}

/** A directory user as stored: never a plaintext token or password. */
export interface StoredUser extends Omit<User, 'numbers'> {
  /** sha256 (hex) of each bearer token that authenticates as this user. */
  tokenSha256: string[];
  sip?: SipCredential;
}

export interface Presence {
  /** What routing and the API see (a stale busy already resolved to its restore status). */
  status: UserStatus;
  /** While a session holds the user: the status restored when it ends. */
  restore?: UserStatus;
  /** The live session holding the user, if any. */
  session?: string;
}

export type EventKind = 'call' | 'supervision' | 'user' | 'notice';

/** One thing that happened: who, what, when. Timeline entries are the call and supervision kinds. */
export interface TimelineEntry {
  at: string;
  kind: EventKind;
  type: string;
  callId?: string;
  sessionId?: string;
  /** User id (or participant id) that caused it, when known. */
  actor?: string;
  detail?: Record<string, unknown>;
}

export interface TimelineEvent extends TimelineEntry {
  /** 1-based position on the call's timeline. */
  seq: number;
}

/** What decides who may see an event (see api visibility); never sent to clients. */
export interface EventScope {
  number?: string;
  /** Directory ids of the agents on the call: they must not learn of supervision. */
  agents?: string[];
  supervisorId?: string;
  userId?: string;
}

export interface BusEvent {
  /** Global, increasing across instances: the SSE event id. */
  id: number;
  /** Timeline position, 0 for events not on a timeline. */
  seq: number;
  entry: TimelineEntry;
  scope: EventScope;
}

export type { Call, NumberEntry, Session, User, UserStatus };
