import { writeFileSync } from 'node:fs';
import { linearToUlaw } from '../../test/e2e/lib/g711';

/**
 * A pcap of one RTP stream SIPp can replay (`play_pcap_audio`): `seconds` of a tone in
 * PCMU (payload type 0), one 20 ms packet per frame. SIPp's own g711a.pcap lasts 7 s;
 * a plateau holds calls 60 s with RTP both ways, so the benches write their own. SIPp
 * rewrites the addresses and ports for each call, so the ones here are placeholders.
 * By hand: npx tsx bench/lib/pcap.ts rtp.pcap 70
 */
const FRAME = 160;

export function writeTonePcap(file: string, seconds: number, toneHz = 440): void {
  const frames = Math.ceil((seconds * 1000) / 20);
  const payload = Buffer.alloc(FRAME);
  const records: Buffer[] = [];
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0); // pcap magic, µs timestamps
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16); // snaplen
  header.writeUInt32LE(1, 20); // Ethernet
  records.push(header);
  for (let f = 0; f < frames; f++) {
    for (let i = 0; i < FRAME; i++) payload[i] = linearToUlaw(8000 * Math.sin((2 * Math.PI * toneHz * (f * FRAME + i)) / 8000));
    const rtp = Buffer.alloc(12);
    rtp[0] = 0x80;
    rtp[1] = 0; // PCMU
    rtp.writeUInt16BE(f & 0xffff, 2);
    rtp.writeUInt32BE((f * FRAME) >>> 0, 4);
    rtp.writeUInt32BE(0x5eed0001, 8);
    const udp = Buffer.alloc(8);
    udp.writeUInt16BE(40000, 0);
    udp.writeUInt16BE(40002, 2);
    udp.writeUInt16BE(8 + 12 + FRAME, 4);
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + 8 + 12 + FRAME, 2);
    ip[8] = 64;
    ip[9] = 17; // UDP
    ip.set([127, 0, 0, 1], 12);
    ip.set([127, 0, 0, 1], 16);
    const eth = Buffer.alloc(14);
    eth.writeUInt16BE(0x0800, 12);
    const frame = Buffer.concat([eth, ip, udp, rtp, payload]);
    const rec = Buffer.alloc(16);
    const us = f * 20_000;
    rec.writeUInt32LE(Math.floor(us / 1e6), 0);
    rec.writeUInt32LE(us % 1e6, 4);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    records.push(rec, frame);
  }
  writeFileSync(file, Buffer.concat(records));
}

// By hand, for SIPp runs against your own stack: npx tsx bench/lib/pcap.ts rtp.pcap 70
if (require.main === module) {
  const [file = 'rtp.pcap', seconds = '70'] = process.argv.slice(2);
  writeTonePcap(file, Number(seconds));
  process.stdout.write(`wrote ${seconds} s of 440 Hz PCMU to ${file}\n`);
}
