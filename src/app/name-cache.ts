import type { Store } from '../store';

/**
 * Users' display names for call views, kept a few seconds: a listing of hundreds of
 * calls would otherwise read every agent's user record on every request. A renamed
 * user shows under the new name within `ttlMs`.
 *
 * `generation` changes whenever what the cache holds changes (a name read for the
 * first time, a different name on a re-read, the cache emptied), so views built from
 * its names can be reused exactly as long as it stays the same (ListedViews).
 */
export class NameCache {
  private readonly entries = new Map<string, { name: string | undefined; until: number }>();
  private changes = 0;

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    private readonly ttlMs = 5000,
    private readonly max = 50_000,
  ) {}

  get generation(): number {
    return this.changes;
  }

  /** Reads the names of `ids` not cached (or expired) in one round trip. */
  async load(ids: Iterable<string>): Promise<void> {
    const now = this.now();
    const missing = [...ids].filter((id) => (this.entries.get(id)?.until ?? 0) <= now);
    if (missing.length === 0) return;
    const users = await this.store.directory.getUsers(missing);
    if (this.entries.size + missing.filter((id) => !this.entries.has(id)).length > this.max) {
      this.entries.clear();
      this.changes++;
    }
    const until = now + this.ttlMs;
    for (const id of missing) {
      const name = users.get(id)?.name;
      const before = this.entries.get(id);
      if (!before || before.name !== name) this.changes++;
      this.entries.set(id, { name, until });
    }
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
