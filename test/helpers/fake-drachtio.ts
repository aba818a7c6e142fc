import net from 'node:net';
import { randomUUID } from 'node:crypto';
import Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import { SipApp } from '../../src/sip/sip-app';

/**
 * A drachtio-server double on the wire protocol drachtio-srf speaks (length-prefixed
 * frames `len#msgId|type|…`): it accepts the app's authentication and routes, delivers
 * SIP requests "from the network" the way drachtio-server does (the transaction id in
 * the frame header), and records what the app sends back. With it a real drachtio-srf
 * (and coachline's middleware on it) runs in `npm test` without a SIP stack.
 */

export interface AppResponse {
  transactionId: string;
  status: number;
  reason: string;
  headers: Record<string, string>;
  raw: string;
}

export interface FakeRequest {
  method: string;
  /** Extra header lines. */
  headers?: string[];
  /** A tag on To: the request names a dialog. */
  toTag?: string;
  body?: string;
  /** Replaces the whole message (a malformed one). */
  raw?: string;
  dialogId?: string;
}

/** A request the app sent inside a dialog (`sip|<txn>|<dialogId>`), as drachtio-server received it. */
export interface AppRequest {
  dialogId: string;
  method: string;
  headers: Record<string, string>;
}

let seq = 0;

export class FakeDrachtio {
  readonly routes: string[] = [];
  /** Every SIP response the app sent, in order. */
  readonly responses: AppResponse[] = [];
  /** Every request the app sent inside a dialog, in order. */
  readonly requests: AppRequest[] = [];
  /** Dialogs this server holds: a request naming another one is refused as drachtio-server refuses it. */
  readonly dialogs = new Set<string>();
  private socket: net.Socket | undefined;
  private buffer = Buffer.alloc(0);
  private authenticated: (() => void) | undefined;
  private readonly waiters: (() => void)[] = [];

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(): Promise<FakeDrachtio> {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const fake = new FakeDrachtio(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (s) => fake.accept(s));
    return fake;
  }

  /** Resolves once an app has authenticated. */
  ready(): Promise<void> {
    if (this.socket && !this.authenticated) return Promise.resolve();
    return new Promise((r) => (this.authenticated = r));
  }

  private accept(s: net.Socket): void {
    this.socket = s;
    s.on('data', (d) => this.read(d));
    s.on('error', () => undefined);
    s.on('close', () => {
      if (this.socket === s) this.socket = undefined;
    });
  }

  /** Whether an app is connected now. */
  get connected(): boolean {
    return !!this.socket;
  }

  private write(payload: string): void {
    this.socket?.write(`${Buffer.byteLength(payload)}#${payload}`);
  }

  private read(d: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, d]);
    for (;;) {
      const hash = this.buffer.indexOf('#');
      if (hash < 0) return;
      const len = Number(this.buffer.toString('utf8', 0, hash));
      if (this.buffer.length < hash + 1 + len) return;
      const frame = this.buffer.toString('utf8', hash + 1, hash + 1 + len);
      this.buffer = this.buffer.subarray(hash + 1 + len);
      this.frame(frame);
    }
  }

  private frame(frame: string): void {
    const eol = frame.indexOf('\r\n');
    const token = (eol < 0 ? frame : frame.slice(0, eol)).split('|');
    const [msgId, type] = token;
    if (type === 'authenticate') {
      this.write(`${randomUUID()}|response|${msgId}|OK|udp/127.0.0.1:5060|v0.9.4|udp/127.0.0.1:5060`);
      const a = this.authenticated;
      this.authenticated = undefined;
      a?.();
    } else if (type === 'route') {
      this.routes.push(token[2]!);
    } else if (type === 'sip') {
      const raw = frame.slice(eol + 2);
      const [statusLine, ...lines] = raw.split('\r\n\r\n')[0]!.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const request = /^([A-Z]+) \S+ SIP\/2\.0$/.exec(statusLine ?? '');
      if (request && token[3]) return this.requestInDialog(msgId!, token[3], request[1]!, headers, raw);
      const m = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(statusLine ?? '');
      if (!m) return;
      this.responses.push({ transactionId: token[2]!, status: Number(m[1]), reason: m[2]!, headers, raw });
      this.write(`${randomUUID()}|response|${msgId}|OK|application|${raw.length}|udp|127.0.0.1|5060|00:00:00.000000|${token[2]}|${token[3] ?? ''}\r\n${raw}`);
      this.waiters.splice(0).forEach((w) => w());
    }
  }

  /**
   * drachtio-server's answer to a request the app sends inside a dialog: refused when it
   * holds no such dialog ("unable to find dialog…", as SipDialogController says), else
   * echoed as sent and answered 200 OK by the far end.
   */
  private requestInDialog(msgId: string, dialogId: string, method: string, headers: Record<string, string>, raw: string): void {
    this.requests.push({ dialogId, method, headers });
    if (!this.dialogs.has(dialogId)) {
      this.write(`${randomUUID()}|response|${msgId}|NOK|unable to find dialog for dialog id provided`);
      return;
    }
    if (method === 'BYE') this.dialogs.delete(dialogId);
    const txn = randomUUID();
    this.write(`${randomUUID()}|response|${msgId}|OK|application|${raw.length}|udp|127.0.0.1|5060|00:00:00.000000|${txn}|${dialogId}\r\n${raw}`);
    // What the app sent names the dialog only; drachtio-server filled in its headers.
    const ok = [
      'SIP/2.0 200 OK',
      'Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-fake-bye',
      `From: <sip:coachline@127.0.0.1>;tag=${dialogId}-local`,
      `To: <sip:phone@192.0.2.10>;tag=${dialogId}-remote`,
      `Call-ID: ${dialogId}`,
      `CSeq: 2 ${method}`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    this.write(`${randomUUID()}|sip|network|${Buffer.byteLength(ok)}|udp|192.0.2.10|5060|00:00:00.000000|${txn}|${dialogId}\r\n${ok}`);
  }

  /** A SIP request from the network, as drachtio-server hands it to the app; resolves with its transaction id. */
  deliver(r: FakeRequest): string {
    seq += 1;
    const txn = randomUUID();
    const raw =
      r.raw ??
      [
        `${r.method} sip:+34910000001@127.0.0.1:5060 SIP/2.0`,
        `Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-fake-${seq};rport=5060`,
        'Max-Forwards: 70',
        `From: <sip:caller@192.0.2.10>;tag=from-${seq}`,
        `To: <sip:+34910000001@127.0.0.1>${r.toTag ? `;tag=${r.toTag}` : ''}`,
        `Call-ID: fake-${seq}@192.0.2.10`,
        `CSeq: 1 ${r.method}`,
        'Contact: <sip:caller@192.0.2.10:5060>',
        ...(r.headers ?? []),
        `Content-Length: ${Buffer.byteLength(r.body ?? '')}`,
        '',
        r.body ?? '',
      ].join('\r\n');
    this.write(`${randomUUID()}|sip|network|${Buffer.byteLength(raw)}|udp|192.0.2.10|5060|00:00:00.000000|${txn}|${r.dialogId ?? ''}|127.0.0.1|5060\r\n${raw}`);
    return txn;
  }

  /** The app's final response to a transaction, or undefined if none came within `ms`. */
  async finalResponse(transactionId: string, ms = 1000): Promise<AppResponse | undefined> {
    const until = Date.now() + ms;
    for (;;) {
      const r = this.responses.find((x) => x.transactionId === transactionId && x.status >= 200);
      if (r || Date.now() >= until) return r;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, until - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    this.socket?.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/**
 * coachline's SipApp (its routes and middleware, a real drachtio-srf) connected to a
 * FakeDrachtio. Its ports are stubs that throw if touched: the requests these tests
 * send must be answered without the directory, media or Redis.
 */
export async function sipAppOnFake(log: Logger): Promise<{ fake: FakeDrachtio; app: SipApp; close(): Promise<void> }> {
  const fake = await FakeDrachtio.start();
  const untouched = new Proxy({}, { get: (_t, p) => { throw new Error(`port touched: ${String(p)}`); } });
  const options = {
    srf: new Srf(),
    drachtio: { host: '127.0.0.1', port: fake.port, secret: 'fake' },
    settings: { domain: 'coachline.test', trunkUri: undefined, fallbackUri: undefined, agentRingTimeoutSec: 5, registerMaxExpiresSec: 3600, emergencyNumbers: [], confirmTimeoutSec: 5, confirmPrompt: 'silence_stream://1' },
    trunkAcl: [],
    agentAcl: [],
    authThrottle: untouched,
    media: untouched,
    directory: untouched,
    registrations: untouched,
    // Announced at start (src/sip/held-dialogs.ts): kept nowhere.
    heldDialogs: { announce: async () => undefined, hold: async () => undefined, release: async () => undefined, heldBy: async () => ({ ids: [] }) },
    observer: untouched,
    admission: untouched,
    log,
  };
  const app = new SipApp(options as unknown as ConstructorParameters<typeof SipApp>[0]);
  const ready = fake.ready();
  app.start();
  await ready;
  // drachtio-srf sends its routes right after the authentication answer.
  while (fake.routes.length === 0) await new Promise((r) => setTimeout(r, 5));
  return {
    fake,
    app,
    async close() {
      options.srf.disconnect();
      await fake.close();
    },
  };
}
