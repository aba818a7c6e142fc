/**
 * Tone levels in dBFS by the Goertzel algorithm over Hann-windowed blocks. Blocks of
 * ~200 ms: the mixer drops late frames, so one long window would smear (FREESWITCH-NOTES).
 */
export function toneLevelDbfs(samples: Float32Array, freq: number, rate = 8000): number {
  const n = samples.length;
  const w = (2 * Math.PI * freq) / rate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const hann = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
    const s0 = samples[i]! * hann + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  // A full-scale sine of amplitude A gives |X| ≈ A·N/4 through a Hann window.
  const amplitude = (4 * Math.sqrt(Math.max(power, 0))) / n;
  return 20 * Math.log10(Math.max(amplitude, 1e-9));
}
