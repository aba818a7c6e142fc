import type { Call, NumberEntry, User, UserStatus } from '../domain';

/**
 * What the SIP adapter needs from the rest of coachline, as ports wired in
 * src/index.ts: the directory and registrations (the store), and the observer that
 * turns call changes into state, timeline and media plans (the supervision service).
 */

export interface CallChange {
  type: string;
  /** Participant id or user id of who caused it, when known. */
  actor?: string;
  detail?: Record<string, unknown>;
}

export interface CallObserver {
  callChanged(call: Call, change: CallChange): Promise<void>;
}

export interface SipCredentials {
  userId: string;
  /** HA1 = MD5(username:realm:password), or the password to compute it. */
  ha1?: string;
  password?: string;
}

export interface SipDirectory {
  number(e164: string): Promise<NumberEntry | undefined>;
  user(id: string): Promise<User | undefined>;
  /** The user whose SIP username (or extension) this is. */
  userBySipUsername(username: string): Promise<User | undefined>;
  status(userId: string): Promise<UserStatus>;
  /** Which of these users are ringing or talking on a live call of any instance (the shared call index). */
  busyAgents(userIds: readonly string[]): Promise<Set<string>>;
  credentials(username: string): Promise<SipCredentials | undefined>;
}

export interface Registration {
  userId: string;
  contact: string;
  /** Source the REGISTER came from: used to reach a phone behind NAT. */
  source: string;
  expiresAt: number;
}

export interface RegistrationStore {
  save(r: Registration): Promise<void>;
  remove(userId: string, contact?: string): Promise<void>;
  /** Current (unexpired) contacts of a user, newest first. */
  contacts(userId: string): Promise<Registration[]>;
}
