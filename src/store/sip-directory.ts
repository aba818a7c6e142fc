import type { RedisClient } from './client';
import type { User, UserStatus } from '../domain';
import type { Registration, RegistrationStore, SipCredentials, SipDirectory } from '../sip/ports';
import { DirectoryStore } from './directory';
import type { CallStore } from './calls';
import { guard, parseJson } from './errors';
import { Keys } from './keys';
import { PresenceStore } from './presence';
import { StoredUser } from './types';

/**
 * The SIP adapter's ports (src/sip/ports.ts) on the Redis store: directory look-ups,
 * digest credentials (HA1 only: the plaintext password was dropped at import) and
 * registrations.
 */

const domainUser = (u: StoredUser): User => ({
  id: u.id,
  name: u.name,
  role: u.role,
  permissions: [...u.permissions],
  ...(u.device ? { device: u.device } : {}),
});

export class RedisSipDirectory implements SipDirectory {
  constructor(
    private readonly directory: DirectoryStore,
    private readonly presence: PresenceStore,
    private readonly calls: CallStore,
    private readonly now: () => number = Date.now,
  ) {}

  busyAgents(userIds: readonly string[]): Promise<Set<string>> {
    return this.calls.busyAgents(userIds, this.now());
  }

  number(e164: string) {
    return this.directory.getNumber(e164);
  }

  async user(id: string): Promise<User | undefined> {
    const u = await this.directory.getUser(id);
    return u && domainUser(u);
  }

  async userBySipUsername(username: string): Promise<User | undefined> {
    const u = await this.directory.userBySipUsername(username);
    return u && domainUser(u);
  }

  async status(userId: string): Promise<UserStatus> {
    return (await this.presence.get(userId)).status;
  }

  /** HA1 as stored; its realm is the user's `sip.realm` (SIP_DOMAIN unless the file gave another). */
  async credentials(username: string): Promise<SipCredentials | undefined> {
    const u = await this.directory.userBySipUsername(username);
    return u?.sip ? { userId: u.id, ha1: u.sip.ha1 } : undefined;
  }
}

/**
 * Registrations: a hash per user, contact → JSON Registration. The hash expires with
 * its latest registration; expired contacts are filtered out on read.
 */
export class RedisRegistrationStore implements RegistrationStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly now: () => number = Date.now,
  ) {}

  private key(userId: string): string {
    return this.keys.registrations(userId);
  }

  async save(r: Registration): Promise<void> {
    const key = this.key(r.userId);
    // NX sets the first expiry, GT pushes it later (a key without TTL counts as infinite for GT). Redis ≥ 7.
    await guard(() => this.redis.multi().hset(key, r.contact, JSON.stringify(r)).pexpireat(key, r.expiresAt, 'NX').pexpireat(key, r.expiresAt, 'GT').exec());
  }

  async remove(userId: string, contact?: string): Promise<void> {
    await guard(() => (contact === undefined ? this.redis.del(this.key(userId)) : this.redis.hdel(this.key(userId), contact)));
  }

  async contacts(userId: string): Promise<Registration[]> {
    const key = this.key(userId);
    const all = await guard(() => this.redis.hgetall(key));
    const now = this.now();
    return Object.values(all)
      .map((raw) => parseJson<Registration>(key, raw)!)
      .filter((r) => r.expiresAt > now)
      .sort((a, b) => b.expiresAt - a.expiresAt);
  }
}
