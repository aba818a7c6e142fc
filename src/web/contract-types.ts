/**
 * Names for the contract's enumerations, derived from its constants (src/contract/values,
 * which carries no TypeBox code into the bundle). Object types come from the contract's
 * TypeBox schemas, imported as types only.
 */
import type { CALL_STATES, EVENT_KINDS, MODES, ROLES, SESSION_REASONS, SESSION_STATES, STATUSES } from '../contract/values';

export type Mode = (typeof MODES)[number];
export type Role = (typeof ROLES)[number];
export type UserStatus = (typeof STATUSES)[number];
export type SessionState = (typeof SESSION_STATES)[number];
export type SessionReason = (typeof SESSION_REASONS)[number];
export type CallState = (typeof CALL_STATES)[number];
export type EventKind = (typeof EVENT_KINDS)[number];
