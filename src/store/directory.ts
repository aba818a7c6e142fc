import type { Redis } from 'ioredis';
import { NumberEntry, UserStatus } from '../domain';
import { guard, parseJson } from './errors';
import { Keys } from './keys';
import { StoredUser } from './types';

export interface DirectoryImport {
  users: { user: StoredUser; status: UserStatus }[];
  numbers: NumberEntry[];
}

/**
 * The directory in Redis: users (with token hashes and SIP credentials, never
 * plaintext), numbers, and the indexes to find a user by token hash or SIP username.
 * Referential checks (a distribution naming an unknown user) belong to the caller;
 * this class keeps its own indexes consistent. Directory writes are admin actions,
 * rare and not raced against each other beyond the create-if-absent guard.
 */
export class DirectoryStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  // ---- users ----

  async getUser(id: string): Promise<StoredUser | undefined> {
    return guard(async () => parseJson<StoredUser>(this.keys.user(id), await this.redis.get(this.keys.user(id))));
  }

  async listUsers(): Promise<StoredUser[]> {
    const ids = (await guard(() => this.redis.smembers(this.keys.users()))).sort();
    if (ids.length === 0) return [];
    const raws = await guard(() => this.redis.mget(...ids.map((id) => this.keys.user(id))));
    return raws.flatMap((raw, i) => parseJson<StoredUser>(this.keys.user(ids[i]!), raw) ?? []);
  }

  async userIdByTokenHash(sha256: string): Promise<string | undefined> {
    return (await guard(() => this.redis.get(this.keys.token(sha256)))) ?? undefined;
  }

  /** The user a SIP username authenticates as, with its digest credential (for the registrar). */
  async userBySipUsername(username: string): Promise<StoredUser | undefined> {
    const id = await guard(() => this.redis.get(this.keys.sipCredential(username)));
    if (id === null) return undefined;
    const u = await this.getUser(id);
    return u?.sip?.username === username ? u : undefined;
  }

  /** Token hashes and SIP usernames of `user` that another user already holds. */
  async conflicts(user: StoredUser): Promise<{ tokens: string[]; sipUsername?: string }> {
    const k = this.keys;
    const keys = [...user.tokenSha256.map((h) => k.token(h)), ...(user.sip ? [k.sipCredential(user.sip.username)] : [])];
    if (keys.length === 0) return { tokens: [] };
    const owners = await guard(() => this.redis.mget(...keys));
    const tokens = user.tokenSha256.filter((_, i) => owners[i] !== null && owners[i] !== user.id);
    const sipOwner = user.sip ? owners[user.tokenSha256.length] : null;
    return sipOwner !== null && sipOwner !== undefined && sipOwner !== user.id ? { tokens, sipUsername: user.sip!.username } : { tokens };
  }

  /** Creates a user; false when the id exists. */
  async createUser(user: StoredUser, status: UserStatus): Promise<boolean> {
    const created = await guard(() => this.redis.set(this.keys.user(user.id), JSON.stringify(user), 'NX'));
    if (created === null) return false;
    await this.writeUser(user, undefined, status);
    return true;
  }

  /** Replaces an existing user (its status is left alone). */
  async replaceUser(user: StoredUser, previous: StoredUser): Promise<void> {
    await this.writeUser(user, previous, undefined);
  }

  private async writeUser(user: StoredUser, previous: StoredUser | undefined, status: UserStatus | undefined): Promise<void> {
    const k = this.keys;
    const tx = this.redis.multi();
    for (const h of previous?.tokenSha256 ?? []) if (!user.tokenSha256.includes(h)) tx.del(k.token(h));
    if (previous?.sip && previous.sip.username !== user.sip?.username) tx.del(k.sipCredential(previous.sip.username));
    tx.set(k.user(user.id), JSON.stringify(user));
    tx.sadd(k.users(), user.id);
    for (const h of user.tokenSha256) tx.set(k.token(h), user.id);
    if (user.sip) tx.set(k.sipCredential(user.sip.username), user.id);
    if (status) tx.hset(k.presence(user.id), 'status', status);
    await guard(() => tx.exec());
  }

  /** Deletes a user, its indexes and presence, and takes it out of every distribution. */
  async deleteUser(user: StoredUser): Promise<void> {
    const k = this.keys;
    const numbers = await this.listNumbers();
    const tx = this.redis.multi();
    for (const h of user.tokenSha256) tx.del(k.token(h));
    if (user.sip) tx.del(k.sipCredential(user.sip.username));
    tx.del(k.user(user.id), k.presence(user.id));
    tx.srem(k.users(), user.id);
    for (const n of numbers) {
      if (n.distribution.includes(user.id)) {
        tx.set(k.number(n.e164), JSON.stringify({ ...n, distribution: n.distribution.filter((d) => d !== user.id) }));
      }
    }
    await guard(() => tx.exec());
  }

  // ---- numbers ----

  async getNumber(e164: string): Promise<NumberEntry | undefined> {
    return guard(async () => parseJson<NumberEntry>(this.keys.number(e164), await this.redis.get(this.keys.number(e164))));
  }

  async listNumbers(): Promise<NumberEntry[]> {
    const ids = (await guard(() => this.redis.smembers(this.keys.numbers()))).sort();
    if (ids.length === 0) return [];
    const raws = await guard(() => this.redis.mget(...ids.map((id) => this.keys.number(id))));
    return raws.flatMap((raw, i) => parseJson<NumberEntry>(this.keys.number(ids[i]!), raw) ?? []);
  }

  async createNumber(n: NumberEntry): Promise<boolean> {
    const created = await guard(() => this.redis.set(this.keys.number(n.e164), JSON.stringify(n), 'NX'));
    if (created === null) return false;
    await guard(() => this.redis.sadd(this.keys.numbers(), n.e164));
    return true;
  }

  async replaceNumber(n: NumberEntry): Promise<void> {
    await guard(() => this.redis.multi().set(this.keys.number(n.e164), JSON.stringify(n)).sadd(this.keys.numbers(), n.e164).exec());
  }

  async deleteNumber(e164: string): Promise<void> {
    await guard(() => this.redis.multi().del(this.keys.number(e164)).srem(this.keys.numbers(), e164).exec());
  }

  // ---- bootstrap ----

  async isBootstrapped(): Promise<boolean> {
    const [marker, users] = await guard(() => Promise.all([this.redis.exists(this.keys.bootstrapped()), this.redis.scard(this.keys.users())]));
    return marker === 1 || users > 0;
  }

  /**
   * Writes a validated directory file: every entry it names is created or replaced
   * (presence only set for users new to Redis); entries it does not name are kept.
   */
  async importDirectory(dir: DirectoryImport, at: string): Promise<void> {
    for (const { user, status } of dir.users) {
      const previous = await this.getUser(user.id);
      await this.writeUser(user, previous, previous ? undefined : status);
    }
    for (const n of dir.numbers) await this.replaceNumber(n);
    await guard(() => this.redis.set(this.keys.bootstrapped(), at));
  }
}
