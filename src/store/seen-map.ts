/**
 * A memo by call id that forgets what it has not been asked for in `idleMs`, and holds
 * at most `max` entries (the oldest-inserted makes room).
 *
 * Why not the cap alone: the parsed records of the call listings and their views were
 * kept per call id up to 20,000 entries, and a call that ended is never listed, never
 * asked for again — so every finished call stayed, ~1.5 KB of record and views, until
 * 20,000 of them had piled up (issue 14: the soak's heap grew ~0.55 MB/min, ~3 KB per
 * finished call and supervision, for the best part of two hours). Nothing tells every
 * instance that a call ended, but an ended call stops being asked for: entries idle for
 * `idleMs` go, swept at most once per `idleMs` (one pass over the map, on a get or a
 * set). A live call that nobody listed for that long is read again once, which costs
 * what its first read did.
 */
export class SeenMap<K, V> {
  private readonly entries = new Map<K, { value: V; seen: number }>();
  private sweptAt: number | undefined;

  constructor(
    private readonly idleMs: number,
    private readonly max: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: K, now: number): V | undefined {
    this.sweep(now);
    const e = this.entries.get(key);
    if (!e) return undefined;
    e.seen = Math.max(e.seen, now);
    return e.value;
  }

  set(key: K, value: V, now: number): void {
    this.sweep(now);
    this.entries.delete(key);
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, seen: now });
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  /** Drops the entries idle past `idleMs`, at most once per `idleMs` (get and set call it too). */
  sweep(now: number): void {
    if (this.sweptAt === undefined) this.sweptAt = now;
    if (now - this.sweptAt < this.idleMs) return;
    this.sweptAt = now;
    for (const [k, e] of this.entries) if (now - e.seen > this.idleMs) this.entries.delete(k);
  }
}
