import { useEffect, useState } from 'preact/hooks';

type Listener = () => void;

const pending = new Set<Observable>();
let scheduled = false;

/**
 * Changes are announced at most once a frame, all observables together: a burst of a
 * thousand events costs one render, not a thousand. A timer backs the frame callback
 * up, since frames stop in a background tab and its state must still move on.
 */
function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  let done = false;
  const run = (): void => {
    if (done) return;
    done = true;
    scheduled = false;
    const batch = [...pending];
    pending.clear();
    for (const o of batch) o.emit();
  };
  requestAnimationFrame(run);
  setTimeout(run, 100);
}

/** A piece of page state that views subscribe to. */
export class Observable {
  private readonly listeners = new Set<Listener>();
  /** Bumped on every change: memoised views key on it. */
  version = 0;

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  emit(): void {
    for (const l of this.listeners) l();
  }

  protected changed(): void {
    this.version += 1;
    pending.add(this);
    schedule();
  }
}

/** Re-renders the calling view when `o` changes; returns `o` for reading. */
export function useObservable<T extends Observable>(o: T): T {
  const [, setTick] = useState(0);
  useEffect(() => o.subscribe(() => setTick((n) => n + 1)), [o]);
  return o;
}
