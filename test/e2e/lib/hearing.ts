import type { Test } from 'tap';
import { PRESENT_DBFS } from './rtp-phone';
import type { SipPhone } from './sip-phones';

/**
 * Checks who hears whom on real audio: after the media settles, each phone's received
 * audio is measured in 200 ms blocks and every other phone's tone must be present
 * (median above -40 dBFS) or absent, as expected.
 */
export const TONES = { customer: 910, agent: 1270, agent2: 1630, supervisor: 2150, remote: 1890 } as const;
/** The default HOLD_MUSIC jingle's notes. */
export const HOLD_MUSIC_HZ = [523, 659, 784] as const;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface Party {
  label: string;
  phone: SipPhone;
}

/** `expected[listener]` = labels of the parties the listener must hear; all others must be silent. */
export async function expectHearing(
  t: Test,
  what: string,
  parties: Party[],
  expected: Record<string, string[]>,
  settleMs = 500,
  measureMs = 1200,
): Promise<void> {
  await sleep(settleMs);
  const since = Date.now();
  await sleep(measureMs);
  for (const listener of parties) {
    const want = expected[listener.label];
    if (!want) continue;
    if (listener.phone.rtp.blocksSince(since) < 3) {
      t.fail(`${what}: ${listener.label} received no audio at all`);
      continue;
    }
    for (const speaker of parties) {
      if (speaker === listener) continue;
      const level = listener.phone.rtp.level(speaker.phone.rtp.toneHz, since);
      const hears = level > PRESENT_DBFS;
      const should = want.includes(speaker.label);
      t.equal(hears, should, `${what}: ${listener.label} ${should ? 'hears' : 'does not hear'} ${speaker.label} (${level.toFixed(1)} dBFS)`);
    }
  }
}

export async function hearsMusic(phone: SipPhone, ms = 1500): Promise<number> {
  const since = Date.now();
  await sleep(ms);
  return phone.rtp.levelAny(HOLD_MUSIC_HZ, since);
}
