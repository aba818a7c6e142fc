/**
 * The directory through the API: users and numbers, statuses and bearer tokens.
 *
 *   const directory = new DirectoryService({ store, config, clock? });
 *   directory.authenticate(token) → User | undefined
 *   users: listUsers / getUser(actor, id) / createUser(input) / replaceUser(id, input) / deleteUser(id)
 *   setStatus(actor, id, status) → StatusView
 *   numbers: listNumbers / getNumber(e164) / createNumber(input) / replaceNumber(e164, input) / deleteNumber(e164)
 *
 * Role checks for whole routes are the API's; checks about *which* object (a user's
 * own status) are here. Everything is validated before the first write.
 */
import type { Config } from '../config';
import { NumberEntry, User, UserStatus, isLive } from '../domain';
import type { MeView, NumberInput, NumberReplace, NumberView, StatusView, UserInput, UserReplace, UserView } from '../contract';
import type { Store, StoredUser, WindowCount } from '../store';
import { Clock, iso, systemClock } from './deps';
import { AppError } from './errors';
import { device, sha256Hex, sipCredential, tokenHashes } from './credentials';
import { numberView, sessionView, userView } from './views';

export function toDomainUser(u: StoredUser, numbers?: readonly NumberEntry[]): User {
  return {
    id: u.id,
    name: u.name,
    role: u.role,
    permissions: [...u.permissions],
    ...(u.device ? { device: u.device } : {}),
    ...(numbers ? { numbers: numbers.filter((n) => n.distribution.includes(u.id)).map((n) => n.e164) } : {}),
  };
}

export class DirectoryService {
  private readonly store: Store;
  private readonly config: Config;
  private readonly clock: Clock;

  constructor(d: { store: Store; config: Config; clock?: Clock }) {
    this.store = d.store;
    this.config = d.config;
    this.clock = d.clock ?? systemClock;
  }

  async authenticate(token: string): Promise<User | undefined> {
    return this.authenticateHash(sha256Hex(token));
  }

  /**
   * `authenticate` and the source's failed-authentication count (`counter`) in one
   * round trip, the token not looked up once the count has reached `limit` (the API
   * refuses such a source with 429 before anything else).
   */
  async authenticateUnlessThrottled(token: string, counter: string, limit: number): Promise<{ failures: WindowCount; user?: User }> {
    const hash = sha256Hex(token);
    const { failures, user } = await this.store.directory.userByTokenHashUnlessThrottled(hash, counter, limit);
    return user && user.tokenSha256.includes(hash) ? { failures, user: toDomainUser(user) } : { failures };
  }

  /** The user a token hash belongs to now (long-lived streams re-check theirs without keeping the token). */
  async authenticateHash(hash: string): Promise<User | undefined> {
    const id = await this.store.directory.userIdByTokenHash(hash);
    if (id === undefined) return undefined;
    const u = await this.store.directory.getUser(id);
    return u && u.tokenSha256.includes(hash) ? toDomainUser(u) : undefined;
  }

  /** A user record built from API or file input; credentials absent from `input` are kept from `previous`. */
  toStored(id: string, input: UserReplace, previous?: StoredUser): StoredUser {
    const hasTokens = input.tokens !== undefined || input.tokenSha256 !== undefined;
    const sip = input.sip ? sipCredential(input.sip, this.config.sip.domain) : previous?.sip;
    return {
      id,
      name: input.name,
      role: input.role,
      permissions: [...(input.permissions ?? [])],
      ...(input.device ? { device: device(input.device, this.config.supervision.defaultRingTimeoutSec) } : {}),
      tokenSha256: hasTokens ? tokenHashes(input.tokens, input.tokenSha256) : [...(previous?.tokenSha256 ?? [])],
      ...(sip ? { sip } : {}),
    };
  }

  // ---- users ----

  async listUsers(): Promise<UserView[]> {
    const [users, numbers] = await Promise.all([this.store.directory.listUsers(), this.store.directory.listNumbers()]);
    const presences = await Promise.all(users.map((u) => this.store.presence.get(u.id)));
    return users.map((u, i) => userView(u, presences[i]!, numbers));
  }

  async getUser(actor: User, id: string): Promise<UserView> {
    if (actor.role === 'agent' && actor.id !== id) throw new AppError('forbidden_role', 'agents may only read their own user');
    const u = await this.requireUser(id);
    const [presence, numbers] = await Promise.all([this.store.presence.get(id), this.store.directory.listNumbers()]);
    return userView(u, presence, numbers);
  }

  /** The user a token is, and their live supervision session if they have one (what a page needs after sign-in). */
  async me(actor: User): Promise<MeView> {
    const [user, presence] = await Promise.all([this.getUser(actor, actor.id), this.store.presence.get(actor.id)]);
    const rec = presence.session ? await this.store.sessions.get(presence.session) : undefined;
    return { user, ...(rec && isLive(rec.session) && rec.session.supervisorId === actor.id ? { session: sessionView(rec) } : {}) };
  }

  async createUser(input: UserInput): Promise<UserView> {
    const user = this.toStored(input.id, input);
    refuseWrite(await this.store.directory.createUser(user, input.status ?? 'available'), user);
    await this.publishUser(user.id, 'user_created');
    return this.view(user);
  }

  async replaceUser(id: string, input: UserReplace): Promise<UserView> {
    const { result, user } = await this.store.directory.replaceUser(id, (previous) => this.toStored(id, input, previous));
    refuseWrite(result, user ?? { id });
    // Streams opened with a revoked token, or by a user whose role changed, are cut on every instance.
    await this.publishUser(id, 'user_updated');
    return this.view(user!);
  }

  async deleteUser(id: string): Promise<void> {
    const { result } = await this.store.directory.deleteUser(id, async () => {
      if ((await this.store.presence.get(id)).session) {
        throw new AppError('user_in_session', `user ${id} is supervising a call; stop the session first`);
      }
    });
    refuseWrite(result, { id });
    await this.publishUser(id, 'user_deleted');
  }

  async setStatus(actor: User, id: string, status: UserStatus): Promise<StatusView> {
    if (actor.id !== id && actor.role !== 'admin') throw new AppError('not_yourself', 'only the user or an admin sets a user’s status');
    await this.requireUser(id);
    const res = await this.store.presence.set(id, status);
    const p = await this.store.presence.get(id);
    await this.publishUser(id, 'user_status_changed', actor.id, { status: p.status, ...(res === 'deferred' ? { after: status } : {}) });
    return { id, status: p.status, ...(res === 'deferred' ? { after: status } : {}) };
  }

  // ---- numbers ----

  async listNumbers(): Promise<NumberView[]> {
    return (await this.store.directory.listNumbers()).map(numberView);
  }

  async getNumber(e164: string): Promise<NumberView> {
    return numberView(await this.requireNumber(e164));
  }

  async createNumber(input: NumberInput): Promise<NumberView> {
    const n = await this.toNumber(input.e164, input);
    if (!(await this.store.directory.createNumber(n))) throw new AppError('number_exists', `number ${input.e164} already exists`);
    return numberView(n);
  }

  async replaceNumber(e164: string, input: NumberReplace): Promise<NumberView> {
    await this.requireNumber(e164);
    const n = await this.toNumber(e164, input);
    await this.store.directory.replaceNumber(n);
    return numberView(n);
  }

  async deleteNumber(e164: string): Promise<void> {
    await this.requireNumber(e164);
    await this.store.directory.deleteNumber(e164);
  }

  // ---- helpers ----

  private async requireUser(id: string): Promise<StoredUser> {
    const u = await this.store.directory.getUser(id);
    if (!u) throw new AppError('user_not_found', `no user ${id}`);
    return u;
  }

  private async requireNumber(e164: string): Promise<NumberEntry> {
    const n = await this.store.directory.getNumber(e164);
    if (!n) throw new AppError('number_not_found', `no number ${e164}`);
    return n;
  }

  private async toNumber(e164: string, input: NumberReplace): Promise<NumberEntry> {
    const known = new Set((await this.store.directory.listUsers()).map((u) => u.id));
    const unknown = input.distribution.filter((id) => !known.has(id));
    if (unknown.length > 0) throw new AppError('unknown_user', `the distribution names unknown users: ${unknown.join(', ')}`, { unknown });
    return { e164, name: input.name, distribution: [...input.distribution], emergency: input.emergency ?? false, supervisable: input.supervisable ?? true };
  }

  private async view(user: StoredUser): Promise<UserView> {
    const [presence, numbers] = await Promise.all([this.store.presence.get(user.id), this.store.directory.listNumbers()]);
    return userView(user, presence, numbers);
  }

  private async publishUser(userId: string, type: string, actor?: string, detail?: Record<string, unknown>): Promise<void> {
    await this.store.events.publish(
      { at: iso(this.clock), kind: 'user', type, ...(actor ? { actor } : {}), detail: { userId, ...detail } },
      { userId },
    );
  }
}

/** A directory write's refusal as the error the API answers with. */
function refuseWrite(result: string, user: Pick<StoredUser, 'id'> & Partial<StoredUser>): void {
  switch (result) {
    case 'ok':
      return;
    case 'user_exists':
      throw new AppError('user_exists', `user ${user.id} already exists`);
    case 'user_not_found':
      throw new AppError('user_not_found', `no user ${user.id}`);
    case 'token_in_use':
      throw new AppError('token_in_use', 'a token is already used by another user');
    case 'sip_username_in_use':
      throw new AppError('sip_username_in_use', `SIP username ${user.sip?.username ?? ''} belongs to another user`);
    case 'last_admin':
      throw new AppError('last_admin', `user ${user.id} is the last admin: make another user admin first, or nobody can manage the directory`);
    case 'conflict':
      throw new AppError('concurrent_update', `user ${user.id} is being changed by another request; try again`);
    default:
      throw new Error(`unexpected directory write result ${result}`);
  }
}
