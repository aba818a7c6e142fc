/**
 * Whether a media server still answers. A FreeSWITCH that dies closes its event socket
 * and fsmrf notices; one that hangs (SIGSTOP, a deadlock, a box swapping itself to
 * death) keeps the socket open, so "connected" alone would go on sending it new calls
 * that then wait for ever on endpoints it never creates. So each server must beat —
 * answer the `status` poll (media-load.ts, once a second) — and one whose last beat is
 * older than the timeout counts as down, for new calls and in /readyz, until it beats
 * again. Pure apart from the clock, which is injected.
 */

/** Silent for longer than the timeout. */
export function beatOverdue(lastBeatAt: number, now: number, timeoutMs: number): boolean {
  return now - lastBeatAt > timeoutMs;
}

export class Heartbeats<K> {
  private readonly last = new Map<K, number>();

  constructor(
    readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A sign of life: an answer, or a connection just made (which counts as one). */
  beat(key: K): void {
    this.last.set(key, this.now());
  }

  forget(key: K): void {
    this.last.delete(key);
  }

  /** A server never heard from is overdue: nothing says it answers. */
  overdue(key: K): boolean {
    const at = this.last.get(key);
    return at === undefined || beatOverdue(at, this.now(), this.timeoutMs);
  }

  /** Since the last beat, ms (undefined when never heard from). */
  silentMs(key: K): number | undefined {
    const at = this.last.get(key);
    return at === undefined ? undefined : this.now() - at;
  }
}
