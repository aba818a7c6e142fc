import { isIP } from 'node:net';

/**
 * Source address ACLs for trunks and agent sources: entries are IPv4/IPv6 addresses
 * or CIDR blocks. An empty list allows nobody — coachline never relays to the trunk
 * for a source it was not told about.
 */
export class InvalidAclEntryError extends Error {
  readonly code = 'invalid_acl_entry';
  override readonly name = 'InvalidAclEntryError';
}

interface Block {
  bytes: number[];
  prefix: number;
}

function toBytes(ip: string): number[] | undefined {
  const v = isIP(ip);
  if (v === 4) return ip.split('.').map(Number);
  if (v !== 6) return undefined;
  // Expand "::" and embedded IPv4, then split into 16 bytes.
  let s = ip.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const b = v4[1]!.split('.').map(Number);
    s = s.replace(v4[1]!, `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`);
  }
  const [head, tail] = s.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined ? (tail ? tail.split(':') : []) : [];
  const groups = tail !== undefined ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

/** An IPv4-mapped IPv6 source (::ffff:a.b.c.d) is matched as IPv4. */
function normalise(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? m[1]! : ip;
}

function parse(entry: string): Block {
  const [addr, len] = entry.trim().split('/');
  const bytes = toBytes(normalise(addr ?? ''));
  if (!bytes) throw new InvalidAclEntryError(`"${entry}" is not an IP address or CIDR block`);
  const max = bytes.length * 8;
  const prefix = len === undefined ? max : Number(len);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) {
    throw new InvalidAclEntryError(`"${entry}" has an invalid prefix length`);
  }
  return { bytes, prefix };
}

function contains(block: Block, bytes: number[]): boolean {
  if (block.bytes.length !== bytes.length) return false;
  let bits = block.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((block.bytes[i]! & mask) !== (bytes[i]! & mask)) return false;
  }
  return true;
}

export class Acl {
  private readonly blocks: Block[];

  /** Throws InvalidAclEntryError at start-up for a bad entry: a typo must not open the trunk. */
  constructor(entries: readonly string[]) {
    this.blocks = entries.map(parse);
  }

  allows(source: string): boolean {
    const bytes = toBytes(normalise(source));
    return bytes !== undefined && this.blocks.some((b) => contains(b, bytes));
  }
}
