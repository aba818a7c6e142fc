import { BlockList, isIP } from 'node:net';

/**
 * Source address ACLs for trunks and agent sources: entries are IPv4/IPv6 addresses
 * or CIDR blocks, matched by node:net's BlockList. An empty list allows nobody —
 * coachline never relays to the trunk for a source it was not told about.
 */
export class InvalidAclEntryError extends Error {
  readonly code = 'invalid_acl_entry';
  override readonly name = 'InvalidAclEntryError';
}

/** An IPv4-mapped IPv6 source (::ffff:a.b.c.d) is matched as IPv4. */
function normalise(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? m[1]! : ip;
}

const familyOf = (ip: string): 'ipv4' | 'ipv6' | undefined => ({ 4: 'ipv4', 6: 'ipv6' } as const)[isIP(ip) as 4 | 6];

export class Acl {
  private readonly list = new BlockList();

  /** Throws InvalidAclEntryError at start-up for a bad entry: a typo must not open the trunk. */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [raw, len, extra] = entry.trim().split('/');
      const addr = normalise(raw ?? '');
      const family = familyOf(addr);
      if (!family || extra !== undefined) throw new InvalidAclEntryError(`"${entry}" is not an IP address or CIDR block`);
      if (len === undefined) {
        this.list.addAddress(addr, family);
        continue;
      }
      const prefix = Number(len);
      if (!/^\d+$/.test(len) || prefix > (family === 'ipv4' ? 32 : 128)) throw new InvalidAclEntryError(`"${entry}" has an invalid prefix length`);
      this.list.addSubnet(addr, prefix, family);
    }
  }

  allows(source: string): boolean {
    const addr = normalise(source);
    const family = familyOf(addr);
    return family !== undefined && this.list.check(addr, family);
  }
}
