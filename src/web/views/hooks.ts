import { useEffect, useState } from 'preact/hooks';

type Tick = () => void;
const ticks = new Set<Tick>();
let timer: ReturnType<typeof setInterval> | undefined;

/**
 * The current time, re-rendering the caller once a second: only the views that show a
 * running duration subscribe, so the rest of the page does not re-render every second.
 */
export function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const tick: Tick = () => setNow(Date.now());
    ticks.add(tick);
    if (!timer) timer = setInterval(() => ticks.forEach((t) => t()), 1000);
    return () => {
      ticks.delete(tick);
      if (ticks.size === 0 && timer) {
        clearInterval(timer);
        timer = undefined;
      }
    };
  }, []);
  return now;
}

let nextId = 0;
/** A stable id for aria-describedby / label pairs. */
export function useId(prefix: string): string {
  const [id] = useState(() => `${prefix}-${++nextId}`);
  return id;
}
