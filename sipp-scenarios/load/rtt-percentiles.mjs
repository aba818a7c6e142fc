#!/usr/bin/env node
// Percentiles of the response times SIPp writes with -trace_rtt (one line per call:
// date;response_time_ms;rtd). SIPp's own screen only buckets them
// (ResponseTimeRepartition); this prints p50/p95/p99/max per timer.
//
//   node load/rtt-percentiles.mjs customer-uac_*_rtt.csv
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node load/rtt-percentiles.mjs <scenario>_<pid>_rtt.csv ...');
  process.exit(2);
}
const byTimer = new Map();
for (const f of files) {
  for (const line of readFileSync(f, 'utf8').split('\n')) {
    const [, ms, timer] = line.trim().split(';');
    const v = Number(ms);
    if (!line || !Number.isFinite(v) || timer === undefined) continue; // the header, blank lines
    byTimer.set(timer, [...(byTimer.get(timer) ?? []), v]);
  }
}
for (const [timer, list] of byTimer) {
  list.sort((a, b) => a - b);
  const q = (p) => list[Math.min(list.length - 1, Math.floor(p * list.length))].toFixed(1);
  console.log(`rtd ${timer}: ${list.length} calls  p50 ${q(0.5)} ms  p95 ${q(0.95)} ms  p99 ${q(0.99)} ms  max ${q(1)} ms`);
}
if (byTimer.size === 0) console.log('no response times in', files.join(' '));
