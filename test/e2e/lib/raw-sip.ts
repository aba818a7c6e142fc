import dgram from 'node:dgram';
import { randomUUID } from 'node:crypto';

/**
 * A bare UDP SIP client for what a well-behaved UA never sends: a datagram cut before
 * the end of its headers, methods out of their dialog, methods nobody defined. It
 * writes requests by hand, collects every response by Call-ID and ACKs an INVITE's
 * final error response (so drachtio-server stops retransmitting it).
 */
export interface RawResponse {
  status: number;
  reason: string;
  headers: Record<string, string>;
}

export interface RawRequest {
  method: string;
  uri: string;
  headers?: string[];
  body?: string;
  /** Send the datagram cut right after the last header line: no Content-Length, no blank line. */
  cut?: boolean;
  toTag?: string;
}

export class RawSip {
  private readonly socket = dgram.createSocket('udp4');
  private readonly byCallId = new Map<string, RawResponse[]>();
  private readonly sent = new Map<string, { lines: string[]; to: { host: string; port: number } }>();
  private port = 0;

  private constructor(readonly address: string) {}

  static async open(address: string): Promise<RawSip> {
    const r = new RawSip(address);
    await new Promise<void>((resolve) => r.socket.bind(0, address, resolve));
    r.port = r.socket.address().port;
    r.socket.on('message', (m) => r.receive(m.toString()));
    return r;
  }

  /** Sends the request to host:port; resolves with its Call-ID. */
  send(host: string, port: number, r: RawRequest): string {
    const callId = `raw-${randomUUID()}@${this.address}`;
    const head = [
      `${r.method} ${r.uri} SIP/2.0`,
      `Via: SIP/2.0/UDP ${this.address}:${this.port};branch=z9hG4bK-${randomUUID()};rport`,
      'Max-Forwards: 70',
      `From: <sip:raw@${this.address}>;tag=${randomUUID().slice(0, 8)}`,
      `To: <${r.uri}>${r.toTag ? `;tag=${r.toTag}` : ''}`,
      `Call-ID: ${callId}`,
      `CSeq: 1 ${r.method}`,
      `Contact: <sip:raw@${this.address}:${this.port}>`,
      ...(r.headers ?? []),
    ];
    this.sent.set(callId, { lines: head, to: { host, port } });
    this.byCallId.set(callId, []);
    const body = r.body ?? '';
    const msg = r.cut ? head.join('\r\n') + '\r\n' : [...head, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
    this.socket.send(msg, port, host);
    return callId;
  }

  private receive(text: string): void {
    const [head] = text.split('\r\n\r\n');
    const [first, ...lines] = head!.split('\r\n');
    const m = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(first ?? '');
    if (!m) return;
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const i = l.indexOf(':');
      if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    const callId = headers['call-id'] ?? '';
    const res: RawResponse = { status: Number(m[1]), reason: m[2]!, headers };
    this.byCallId.get(callId)?.push(res);
    const req = this.sent.get(callId);
    if (req && res.status >= 300 && / INVITE$/.test(headers.cseq ?? '')) {
      // RFC 3261 §17.1.1.3: the ACK of a non-2xx final has the INVITE's branch and the response's To.
      const keep = (name: string): string => req.lines.find((l) => l.toLowerCase().startsWith(`${name}:`))!;
      const uri = req.lines[0]!.split(' ')[1]!;
      const ack = [`ACK ${uri} SIP/2.0`, keep('via'), 'Max-Forwards: 70', keep('from'), `To: ${headers.to}`, keep('call-id'), `CSeq: 1 ACK`, 'Content-Length: 0', '', ''].join('\r\n');
      this.socket.send(ack, req.to.port, req.to.host);
    }
  }

  /** Every response to the request so far, once a final one came or `ms` passed. */
  async responses(callId: string, ms = 3000): Promise<RawResponse[]> {
    const until = Date.now() + ms;
    for (;;) {
      const all = this.byCallId.get(callId) ?? [];
      if (all.some((r) => r.status >= 200) || Date.now() >= until) return [...all];
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async final(callId: string, ms = 3000): Promise<RawResponse | undefined> {
    return (await this.responses(callId, ms)).find((r) => r.status >= 200);
  }

  close(): void {
    this.socket.close();
  }
}
