import type { RedisClient } from './client';
import { NumberEntry, UserStatus } from '../domain';
import { guard, parseJson } from './errors';
import { Keys } from './keys';
import { batched } from './batch';
import { DELETE_USER, SEED_ADMIN_INDEX, WRITE_USER } from './directory-lua';
import type { WindowCount } from './rate-limits';
import { StoredUser } from './types';

export type CreateUserResult = 'ok' | 'user_exists' | 'token_in_use' | 'sip_username_in_use';
export type ReplaceUserResult = 'ok' | 'user_not_found' | 'token_in_use' | 'sip_username_in_use' | 'last_admin' | 'conflict';
export type DeleteUserResult = 'ok' | 'user_not_found' | 'last_admin' | 'conflict';

/** Re-reads after a concurrent write before giving up with 'conflict'. */
const CAS_ATTEMPTS = 5;

export interface DirectoryImport {
  users: { user: StoredUser; status: UserStatus }[];
  numbers: NumberEntry[];
}

/**
 * The directory in Redis: users (with token hashes and SIP credentials, never
 * plaintext), numbers, and the indexes to find a user by token hash or SIP username.
 * Referential checks (a distribution naming an unknown user) belong to the caller;
 * this class keeps its own indexes consistent. User writes are scripts
 * (directory-lua.ts): a credential is claimed by one user even when admins race.
 */
export class DirectoryStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  // ---- users ----

  async getUser(id: string): Promise<StoredUser | undefined> {
    return guard(async () => parseJson<StoredUser>(this.keys.user(id), await this.redis.get(this.keys.user(id))));
  }

  /** Many users in one round trip (batched: a page of the call list reads their names); ids not in the directory are absent from the map. */
  async getUsers(ids: readonly string[]): Promise<Map<string, StoredUser>> {
    const out = new Map<string, StoredUser>();
    if (ids.length === 0) return out;
    const raws = (await guard(() => batched(this.redis, (p) => p.mget(...ids.map((id) => this.keys.user(id)))))) as (string | null)[];
    raws.forEach((raw, i) => {
      const u = parseJson<StoredUser>(this.keys.user(ids[i]!), raw);
      if (u) out.set(u.id, u);
    });
    return out;
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

  /**
   * The user record a token hash names, with the failed-authentication count of the
   * source (`counter`, a RateLimitStore key); the user is not looked up once that count
   * has reached `limit`, so a throttled address learns nothing of its guesses (not
   * even by timing: the token is read alongside the count either way). Two batched
   * round trips (batch.ts): the count and the token, then the user. The caller still
   * checks that the record lists the hash (a token being replaced meanwhile).
   *
   * Not one script: the user's key is only known once the token is read, and a
   * script must be given every key it touches (Redis Cluster routes it by them).
   */
  async userByTokenHashUnlessThrottled(sha256: string, counter: string, limit: number): Promise<{ failures: WindowCount; user?: StoredUser }> {
    const k = this.keys;
    const r = this.redis;
    const [count, ttl, id] = (await guard(() =>
      Promise.all([batched(r, (p) => p.get(k.rateLimit(counter))), batched(r, (p) => p.pttl(k.rateLimit(counter))), batched(r, (p) => p.get(k.token(sha256)))]),
    )) as [string | null, number, string | null];
    const n = Number(count ?? 0);
    const failures = { count: Number.isFinite(n) ? n : 0, resetMs: ttl > 0 ? ttl : 0 };
    if (failures.count >= limit || id === null) return { failures };
    const raw = (await guard(() => batched(r, (p) => p.get(k.user(id))))) as string | null;
    const user = parseJson<StoredUser>(k.user(id), raw);
    return user ? { failures, user } : { failures };
  }

  /** The user a SIP username authenticates as, with its digest credential (for the registrar). */
  async userBySipUsername(username: string): Promise<StoredUser | undefined> {
    const id = await guard(() => this.redis.get(this.keys.sipCredential(username)));
    if (id === null) return undefined;
    const u = await this.getUser(id);
    return u?.sip?.username === username ? u : undefined;
  }

  /** Creates a user if the id is free and its credentials are nobody else's, atomically. */
  async createUser(user: StoredUser, status: UserStatus): Promise<CreateUserResult> {
    return (await this.write('create', user, undefined, status)) as CreateUserResult;
  }

  /**
   * Replaces user `id` with `build(current)`, atomically against concurrent writes:
   * when the record changed between the read and the write, it is read and built again.
   */
  async replaceUser(id: string, build: (current: StoredUser) => StoredUser): Promise<{ result: ReplaceUserResult; user?: StoredUser }> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const cur = await this.readUser(id);
      if (!cur) return { result: 'user_not_found' };
      const user = build(cur.user);
      const result = (await this.write('replace', user, cur, undefined)) as ReplaceUserResult;
      if (result !== 'conflict') return { result, user };
    }
    return { result: 'conflict' };
  }

  /**
   * Deletes a user, its indexes and presence, and takes it out of every distribution,
   * atomically; `check` may refuse (throw) on the record as read. The last admin stays.
   */
  async deleteUser(id: string, check: (current: StoredUser) => void | Promise<void> = () => undefined): Promise<{ result: DeleteUserResult; user?: StoredUser }> {
    const k = this.keys;
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const cur = await this.readUser(id);
      if (!cur) return { result: 'user_not_found' };
      await check(cur.user);
      const u = cur.user;
      const numbers = (await this.listNumberVersions()).filter((n) => n.entry.distribution.includes(id));
      const credentialKeys = [...u.tokenSha256.map((h) => k.token(h)), ...(u.sip ? [k.sipCredential(u.sip.username)] : [])];
      const keys = [k.user(id), k.users(), k.presence(id), k.admins(), ...credentialKeys, ...numbers.map((n) => k.number(n.entry.e164))];
      const args = [
        id, cur.raw, u.tokenSha256.length, u.sip ? 1 : 0, numbers.length,
        ...numbers.flatMap((n) => [n.raw, JSON.stringify({ ...n.entry, distribution: n.entry.distribution.filter((d) => d !== id) })]),
      ];
      const result = (await guard(() => DELETE_USER.run(this.redis, keys, args))) as DeleteUserResult;
      if (result !== 'conflict') return { result, user: u };
    }
    return { result: 'conflict' };
  }

  /** Admin ids for the last-admin rule, indexed from the records when the index is missing (a directory from before it). */
  async seedAdminIndex(): Promise<void> {
    const admins = (await this.listUsers()).filter((u) => u.role === 'admin').map((u) => u.id);
    await guard(() => SEED_ADMIN_INDEX.run(this.redis, [this.keys.admins()], admins));
  }

  private async readUser(id: string): Promise<{ user: StoredUser; raw: string } | undefined> {
    const raw = await guard(() => this.redis.get(this.keys.user(id)));
    const user = parseJson<StoredUser>(this.keys.user(id), raw);
    return user && raw !== null ? { user, raw } : undefined;
  }

  private async write(mode: 'create' | 'replace' | 'import', user: StoredUser, previous: { user: StoredUser; raw: string } | undefined, status: UserStatus | undefined): Promise<string> {
    const k = this.keys;
    const prev = previous?.user;
    const stale = (prev?.tokenSha256 ?? []).filter((h) => !user.tokenSha256.includes(h));
    const staleSip = prev?.sip && prev.sip.username !== user.sip?.username ? [prev.sip.username] : [];
    const freshSip = user.sip ? [user.sip.username] : [];
    const keys = [
      k.user(user.id), k.users(), k.presence(user.id), k.admins(),
      ...user.tokenSha256.map((h) => k.token(h)), ...freshSip.map((u) => k.sipCredential(u)),
      ...stale.map((h) => k.token(h)), ...staleSip.map((u) => k.sipCredential(u)),
    ];
    const args = [
      mode, user.id, JSON.stringify(user), previous?.raw ?? '', status ?? '',
      user.tokenSha256.length, freshSip.length, stale.length, staleSip.length, user.role === 'admin' ? '1' : '0',
    ];
    return (await guard(() => WRITE_USER.run(this.redis, keys, args))) as string;
  }

  // ---- numbers ----

  /** Many numbers in one round trip (batched: a page of the call list reads them); those not in the directory are absent from the map. */
  async getNumbers(e164s: readonly string[]): Promise<Map<string, NumberEntry>> {
    const out = new Map<string, NumberEntry>();
    if (e164s.length === 0) return out;
    const raws = (await guard(() => batched(this.redis, (p) => p.mget(...e164s.map((n) => this.keys.number(n)))))) as (string | null)[];
    raws.forEach((raw, i) => {
      const n = parseJson<NumberEntry>(this.keys.number(e164s[i]!), raw);
      if (n) out.set(n.e164, n);
    });
    return out;
  }

  async getNumber(e164: string): Promise<NumberEntry | undefined> {
    return guard(async () => parseJson<NumberEntry>(this.keys.number(e164), await this.redis.get(this.keys.number(e164))));
  }

  async listNumbers(): Promise<NumberEntry[]> {
    return (await this.listNumberVersions()).map((n) => n.entry);
  }

  /** Numbers with the exact JSON read, for compare-and-set. */
  private async listNumberVersions(): Promise<{ entry: NumberEntry; raw: string }[]> {
    const ids = (await guard(() => this.redis.smembers(this.keys.numbers()))).sort();
    if (ids.length === 0) return [];
    const raws = await guard(() => this.redis.mget(...ids.map((id) => this.keys.number(id))));
    return raws.flatMap((raw, i) => {
      const entry = parseJson<NumberEntry>(this.keys.number(ids[i]!), raw);
      return entry && raw !== null ? [{ entry, raw }] : [];
    });
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
      const previous = await this.readUser(user.id);
      await this.write('import', user, previous, previous ? undefined : status);
    }
    for (const n of dir.numbers) await this.replaceNumber(n);
    await guard(() => this.redis.set(this.keys.bootstrapped(), at));
  }
}
