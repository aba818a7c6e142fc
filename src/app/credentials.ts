import { createHash, randomBytes } from 'node:crypto';
import { Device } from '../domain';
import type { DeviceInput, SipCredentialInput } from '../contract';
import type { SipCredential } from '../store';

/** Turning what an admin types (plaintext tokens, a SIP password, a short device) into what is stored. */

export const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** A fresh bearer token (256 bits, base64url). */
export const newToken = (): string => randomBytes(32).toString('base64url');

/** Token hashes from plaintext tokens and given hashes, without duplicates. */
export function tokenHashes(tokens: readonly string[] | undefined, hashes: readonly string[] | undefined): string[] {
  return [...new Set([...(tokens ?? []).map(sha256Hex), ...(hashes ?? [])])].sort();
}

/** Digest credentials: a password becomes HA1 = md5(username:realm:password) and is dropped. */
export function sipCredential(input: SipCredentialInput, defaultRealm: string): SipCredential {
  const realm = input.realm ?? defaultRealm;
  const ha1 = input.ha1 ?? createHash('md5').update(`${input.username}:${realm}:${input.password ?? ''}`).digest('hex');
  return { username: input.username, realm, ha1 };
}

export function device(input: DeviceInput, defaultRingTimeoutSec: number): Device {
  switch (input.kind) {
    case 'sip_uri':
      return { kind: 'sip_uri', uri: input.uri, dialect: input.dialect ?? 'default' };
    case 'registered':
      return { kind: 'registered', dialect: input.dialect ?? 'default' };
    case 'remote_number':
      return {
        kind: 'remote_number',
        number: input.number,
        ringTimeoutSec: input.ringTimeoutSec ?? defaultRingTimeoutSec,
        voicemailGuard: input.voicemailGuard ?? false,
      };
  }
}
