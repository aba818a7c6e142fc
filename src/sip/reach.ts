import type { Device, User } from '../domain';
import type { RegistrationStore } from './ports';

/**
 * Where to send an INVITE for a user's device: a SIP URI as configured, the newest
 * registered contact, or a number through the trunk. Nothing else: coachline never
 * dials an address that is not the user's own device (SPEC §7).
 */
export type Reach =
  | { kind: 'sip'; uri: string; autoAnswer: boolean }
  | { kind: 'trunk'; uri: string; proxy?: string }
  | { kind: 'unreachable'; reason: string };

export interface TrunkSettings {
  /** sip:host[:port] the trunk is reached at; numbers are dialed as sip:NUMBER@host. */
  trunkUri: string | undefined;
}

/** sip:NUMBER@trunk-host[:port][;params], for a number dialed through the trunk. */
export function trunkTarget(number: string, trunk: TrunkSettings): Reach {
  if (!trunk.trunkUri) return { kind: 'unreachable', reason: 'no trunk is configured (TRUNK_URI)' };
  const m = /^sips?:(?:[^@]+@)?(.+)$/.exec(trunk.trunkUri);
  if (!m) return { kind: 'unreachable', reason: `TRUNK_URI "${trunk.trunkUri}" is not a SIP URI` };
  const digits = number.replace(/[^\d+*#]/g, '');
  if (!digits) return { kind: 'unreachable', reason: `"${number}" is not a dialable number` };
  return { kind: 'trunk', uri: `sip:${digits}@${m[1]}` };
}

export async function reachDevice(
  user: User,
  device: Device | undefined,
  registrations: RegistrationStore,
  trunk: TrunkSettings,
): Promise<Reach> {
  if (!device) return { kind: 'unreachable', reason: `user ${user.id} has no device` };
  switch (device.kind) {
    case 'sip_uri':
      return { kind: 'sip', uri: device.uri, autoAnswer: true };
    case 'registered': {
      const [newest] = await registrations.contacts(user.id);
      if (!newest) return { kind: 'unreachable', reason: `user ${user.id} has no registered phone` };
      return { kind: 'sip', uri: newest.contact, autoAnswer: true };
    }
    case 'remote_number':
      return trunkTarget(device.number, trunk);
  }
}
