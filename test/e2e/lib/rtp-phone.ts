import dgram from 'node:dgram';
import { linearToUlaw, ulawToLinear } from './g711';
import { toneLevelDbfs } from './goertzel';

/**
 * The media half of a test phone: sends its own tone as PCMU every 20 ms and records
 * what it receives, so a test can ask which tones reached this phone's ear.
 */
export const BLOCK_SAMPLES = 1600; // 200 ms at 8 kHz
export const PRESENT_DBFS = -40;

interface Block {
  at: number;
  samples: Float32Array;
}

/** One received RTP packet's audio: 20 ms, the unit the mixer works in. */
export interface Frame {
  at: number;
  samples: Float32Array;
}

/** How many received frames a phone keeps (60 s at 50 frames/s). */
const FRAMES_KEPT = 3000;

export class RtpPhone {
  private readonly socket = dgram.createSocket('udp4');
  private remote: { host: string; port: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private seq = Math.floor(Math.random() * 65535);
  private ts = Math.floor(Math.random() * 2 ** 31);
  private readonly ssrc = Math.floor(Math.random() * 2 ** 31);
  private phase = 0;
  private pending: number[] = [];
  private readonly blocks: Block[] = [];
  private readonly frames: Frame[] = [];
  private silent = false;
  port = 0;

  constructor(
    readonly toneHz: number,
    readonly amplitude = 0.3,
  ) {}

  async open(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
    this.port = this.socket.address().port;
    this.socket.on('message', (msg) => this.receive(msg));
  }

  sdp(direction: 'sendrecv' | 'sendonly' | 'inactive' = 'sendrecv'): string {
    const id = Date.now();
    return [
      'v=0',
      `o=phone ${id} ${id} IN IP4 127.0.0.1`,
      's=test phone',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${this.port} RTP/AVP 0 101`,
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-16',
      'a=ptime:20',
      `a=${direction}`,
      '',
    ].join('\r\n');
  }

  /** Point the stream at the far end's SDP and start sending. */
  setRemote(sdp: string): void {
    const host = /c=IN IP4 (\S+)/.exec(sdp)?.[1];
    const port = Number(/m=audio (\d+)/.exec(sdp)?.[1]);
    if (!host || !port) throw new Error(`no audio address in SDP:\n${sdp}`);
    this.remote = { host, port };
    if (!this.timer) this.timer = setInterval(() => this.sendFrame(), 20);
  }

  /** Stop sending voice (while this phone holds, for instance). */
  setSilent(silent: boolean): void {
    this.silent = silent;
  }

  private packet(pt: number, payload: Buffer, marker = false, timestamp = this.ts): Buffer {
    const h = Buffer.alloc(12);
    h[0] = 0x80;
    h[1] = (marker ? 0x80 : 0) | pt;
    h.writeUInt16BE(this.seq, 2);
    this.seq = (this.seq + 1) & 0xffff;
    h.writeUInt32BE(timestamp >>> 0, 4);
    h.writeUInt32BE(this.ssrc, 8);
    return Buffer.concat([h, payload]);
  }

  private sendFrame(): void {
    if (!this.remote) return;
    const payload = Buffer.alloc(160);
    for (let i = 0; i < 160; i++) {
      const v = this.silent ? 0 : Math.sin(this.phase) * this.amplitude * 32767;
      this.phase += (2 * Math.PI * this.toneHz) / 8000;
      payload[i] = linearToUlaw(v);
    }
    this.phase %= 2 * Math.PI;
    this.socket.send(this.packet(0, payload), this.remote.port, this.remote.host);
    this.ts = (this.ts + 160) >>> 0;
  }

  /** An RFC 4733 telephone-event: 100 ms of the digit, then three end packets. */
  async sendDtmf(digit: string): Promise<void> {
    if (!this.remote) throw new Error('no remote media');
    const event = '0123456789*#'.indexOf(digit);
    if (event < 0) throw new Error(`bad digit ${digit}`);
    const start = this.ts;
    for (let i = 1; i <= 5; i++) {
      const end = i === 5;
      const p = Buffer.from([event, (end ? 0x80 : 0) | 10, 0, 0]);
      p.writeUInt16BE(i * 160, 2);
      for (let r = 0; r < (end ? 3 : 1); r++) this.socket.send(this.packet(101, p, i === 1, start), this.remote.port, this.remote.host);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private receive(msg: Buffer): void {
    if (msg.length <= 12 || (msg[1]! & 0x7f) !== 0) return;
    const cc = msg[0]! & 0x0f;
    const frame = new Float32Array(Math.max(0, msg.length - 12 - cc * 4));
    for (let i = 12 + cc * 4, j = 0; i < msg.length; i++, j++) {
      const v = ulawToLinear(msg[i]!) / 32768;
      frame[j] = v;
      this.pending.push(v);
    }
    this.frames.push({ at: Date.now(), samples: frame });
    if (this.frames.length > FRAMES_KEPT) this.frames.shift();
    while (this.pending.length >= BLOCK_SAMPLES) {
      this.blocks.push({ at: Date.now(), samples: Float32Array.from(this.pending.splice(0, BLOCK_SAMPLES)) });
      if (this.blocks.length > 600) this.blocks.shift();
    }
  }

  /** Median level (dBFS) of `freq` in the blocks received since `sinceMs`. */
  level(freq: number, sinceMs: number): number {
    const levels = this.blocks.filter((b) => b.at >= sinceMs).map((b) => toneLevelDbfs(b.samples, freq));
    if (levels.length === 0) return -Infinity;
    levels.sort((a, b) => a - b);
    return levels[Math.floor(levels.length / 2)]!;
  }

  /** The loudest block's level of `freq` since `sinceMs`: for short sounds (a beep). */
  peak(freq: number, sinceMs: number): number {
    return Math.max(-Infinity, ...this.blocks.filter((b) => b.at >= sinceMs).map((b) => toneLevelDbfs(b.samples, freq)));
  }

  /** Median over blocks of the loudest of `freqs` (a melody: one note at a time). */
  levelAny(freqs: readonly number[], sinceMs: number): number {
    const levels = this.blocks
      .filter((b) => b.at >= sinceMs)
      .map((b) => Math.max(...freqs.map((f) => toneLevelDbfs(b.samples, f))));
    if (levels.length === 0) return -Infinity;
    levels.sort((a, b) => a - b);
    return levels[Math.floor(levels.length / 2)]!;
  }

  /** The frames received in [sinceMs, untilMs). */
  framesBetween(sinceMs: number, untilMs = Infinity): Frame[] {
    return this.frames.filter((f) => f.at >= sinceMs && f.at < untilMs);
  }

  blocksSince(sinceMs: number): number {
    return this.blocks.filter((b) => b.at >= sinceMs).length;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    try {
      this.socket.close();
    } catch {
      /* closed */
    }
  }
}
