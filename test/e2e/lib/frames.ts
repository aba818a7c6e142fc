import type { Test } from 'tap';
import { toneLevelDbfs } from './goertzel';
import { Party, sleep } from './hearing';
import { PRESENT_DBFS } from './rtp-phone';

/**
 * Leaks judged per 20 ms frame (issue 9): a coach must never reach the customer, not
 * even for one frame, and 200 ms block medians cannot see one frame. Every received
 * RTP packet is one mixer frame; each is measured on its own (Goertzel, Hann window:
 * the test tones stand 50 dB apart within a frame) against -40 dBFS.
 */

/** listener label → labels of the speakers it hears in a state. */
export type Hearing = Record<string, string[]>;

/** A sound that is not a party (the notify tone): heard by nobody it is not played to. */
export interface Sound {
  label: string;
  hz: number;
  /** Listeners allowed to hear it. */
  to: string[];
}

export interface LeakTally {
  /** transition kind → [frames leaked, frames checked, transitions] */
  byKind: Map<string, [number, number, number]>;
}

export const newTally = (): LeakTally => ({ byKind: new Map() });

export function reportTally(t: Test, tally: LeakTally): void {
  for (const [kind, [leaked, frames, n]] of tally.byKind) {
    t.comment(`frame leaks, ${kind}: ${leaked} leaked of ${frames} frames checked over ${n} transitions`);
  }
}

/**
 * Runs `act` (a transition from `before` to `after`) and checks every frame each
 * listener received from 300 ms before it until `settleMs` after it: no frame of a
 * speaker the listener hears in neither state rises above -40 dBFS. Listeners absent
 * from both states (not joined) are not checked.
 */
export async function expectNoFrameLeak(
  t: Test,
  tally: LeakTally,
  kind: string,
  what: string,
  parties: Party[],
  before: Hearing,
  after: Hearing,
  act: () => Promise<unknown>,
  opts: { sounds?: Sound[]; settleMs?: number } = {},
): Promise<void> {
  const since = Date.now() - 300;
  await act();
  await sleep(opts.settleMs ?? 700);
  const until = Date.now();
  const entry = tally.byKind.get(kind) ?? [0, 0, 0];
  entry[2] += 1;
  for (const listener of parties) {
    const l = listener.label;
    if (!(l in before) && !(l in after)) continue;
    const frames = listener.phone.rtp.framesBetween(since, until);
    // A listener that stays must have been listening the whole time; one that leaves
    // (its leg hung up) is checked on what it got before.
    if (l in after && frames.length < 20) {
      t.fail(`${what}: ${l} received only ${frames.length} frames`);
      continue;
    }
    const forbidden = [
      ...parties
        .filter((p) => p !== listener && !(before[l]?.includes(p.label) ?? false) && !(after[l]?.includes(p.label) ?? false))
        .map((p) => ({ label: p.label, hz: p.phone.rtp.toneHz })),
      ...(opts.sounds ?? []).filter((s) => !s.to.includes(l)),
    ];
    for (const speaker of forbidden) {
      const levels = frames.map((f) => toneLevelDbfs(f.samples, speaker.hz));
      const leaked = levels.filter((v) => v > PRESENT_DBFS);
      const worst = Math.max(...levels);
      entry[0] += leaked.length;
      entry[1] += frames.length;
      t.equal(leaked.length, 0, `${what}: no frame of ${speaker.label} reaches ${l} (${frames.length} frames, loudest ${worst.toFixed(1)} dBFS)`);
    }
  }
  tally.byKind.set(kind, entry);
}
