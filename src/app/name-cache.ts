import type { Store } from '../store';

/**
 * Users' display names for call views, kept a few seconds: a listing of hundreds of
 * calls would otherwise read every agent's user record on every request. A renamed
 * user shows under the new name within `ttlMs`.
 */
export class NameCache {
  private readonly entries = new Map<string, { name: string | undefined; until: number }>();

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    private readonly ttlMs = 5000,
    private readonly max = 50_000,
  ) {}

  /** Reads the names of `ids` not cached (or expired) in one round trip. */
  async load(ids: Iterable<string>): Promise<void> {
    const now = this.now();
    const missing = [...ids].filter((id) => (this.entries.get(id)?.until ?? 0) <= now);
    if (missing.length === 0) return;
    const users = await this.store.directory.getUsers(missing);
    if (this.entries.size + missing.length > this.max) this.entries.clear();
    for (const id of missing) this.entries.set(id, { name: users.get(id)?.name, until: now + this.ttlMs });
  }

  /** The cached names of `ids` (call load first). */
  snapshot(ids: Iterable<string>): Map<string, string> {
    const out = new Map<string, string>();
    for (const id of ids) {
      const name = this.entries.get(id)?.name;
      if (name !== undefined) out.set(id, name);
    }
    return out;
  }
}
