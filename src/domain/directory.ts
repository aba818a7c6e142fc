/** Directory facts the rules need: users and the numbers they are distributed on. */

export type Role = 'agent' | 'supervisor' | 'admin';
export type SupervisionMode = 'monitor' | 'coach' | 'barge';
export const SUPERVISION_MODES: readonly SupervisionMode[] = ['monitor', 'coach', 'barge'];
/**
 * What a supervisor or admin may do: each supervision mode, `conference` (add or
 * remove participants on a live call) and `takeover` (take a supervised call over).
 */
export type Permission = SupervisionMode | 'conference' | 'takeover';
export const PERMISSIONS: readonly Permission[] = [...SUPERVISION_MODES, 'conference', 'takeover'];

export type UserStatus = 'available' | 'busy' | 'unavailable';

/** Which vendor's auto-answer headers a desk phone understands. */
export type AutoAnswerDialect = 'default' | 'polycom' | 'yealink' | 'snom' | 'cisco' | 'grandstream' | 'rfc5373';

export type Device =
  | { kind: 'sip_uri'; uri: string; dialect: AutoAnswerDialect }
  | { kind: 'registered'; dialect: AutoAnswerDialect }
  | { kind: 'remote_number'; number: string; ringTimeoutSec: number; voicemailGuard: boolean };

export interface User {
  id: string;
  name: string;
  role: Role;
  /** Supervision permissions; only meaningful for supervisors and admins. */
  permissions: Permission[];
  device?: Device;
  /** E.164 numbers whose distribution includes this user. Derived from numbers, kept for listing. */
  numbers?: string[];
}

export interface NumberEntry {
  /** E.164, e.g. +34910000000 */
  e164: string;
  name: string;
  /** User ids who receive (agents) and may supervise (supervisors) calls on this number. */
  distribution: string[];
  /** Emergency numbers are never supervisable. */
  emergency: boolean;
  /** An operator may switch supervision off for a number (e.g. a legal hotline). */
  supervisable: boolean;
}

export const DEFAULT_EMERGENCY_NUMBERS: readonly string[] = ['112', '911', '999', '000', '110', '119'];

/** True when `dialed` is one of the emergency short codes (ignoring a leading + or country prefix is the trunk's job). */
export function isEmergencyNumber(dialed: string, emergencyNumbers: readonly string[]): boolean {
  const digits = dialed.replace(/^sip:/, '').replace(/@.*$/, '').replace(/^\+/, '');
  return emergencyNumbers.includes(digits);
}
