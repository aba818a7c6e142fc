import type { EventEmitter } from 'node:events';
import Srf from 'drachtio-srf';
import type { Logger } from 'pino';

/**
 * SIP messages drachtio-server accepts but drachtio-srf cannot parse — e.g. a datagram
 * cut right after a header line: sofia-sip takes it without the blank line that ends
 * the headers, and drachtio-srf's parser then meets an empty header line. drachtio-srf
 * drops such a message with a stack trace on stderr and nothing else (5.0.29,
 * drachtio-agent.js `_onMsg`): no event, no option to hook. For a request that leaves
 * drachtio-server's transaction open until its 64 s client timeout with no final
 * response ever sent — after the 100 Trying drachtio-server itself sends to an INVITE.
 *
 * So coachline sits in front of drachtio-srf's reader on its wire-protocol connection
 * (`srf.app.client.wp`, an EventEmitter whose `msg` event carries every frame): no
 * method is patched, the `msg` listeners are wrapped. That object is the one internal
 * relied on; if it changes, answerUnparsableMessages throws (the app logs it and runs
 * on without the guard) and test/sip/unparsable-messages.test.ts fails. Every SIP
 * message from the network is tried with drachtio-srf's own parser (`Srf.SipMessage`)
 * before drachtio-srf sees it. One it cannot read is logged as one JSON line and, for a
 * request, answered 400 through drachtio-server by the transaction id in the message's
 * wire header — all drachtio-server needs: it replies with `nta_incoming_treply` on the
 * request it kept, so the response needs no Via, From or To from us. Everything else
 * goes on to drachtio-srf unchanged. Trying the parse costs about 10 µs for a 1 KB
 * INVITE with SDP (measured here; lazy: headers are split, not parsed), some 0.2 % of a
 * core at 10 calls/s.
 */

type MsgListener = (socket: unknown, msg: string) => void;
interface WireProtocol extends EventEmitter {
  send(socket: unknown, msg: string): string;
}

/** drachtio-srf's own message class (a static its typings leave out). */
const SipMessage = (Srf as unknown as { SipMessage: new (raw: string) => unknown }).SipMessage;

export class DrachtioInternalsError extends Error {
  readonly code = 'drachtio_internals';
  override readonly name = 'DrachtioInternalsError';
}

/** What the wire header of a `sip` message from the network says, for a message drachtio-srf cannot parse. */
export interface UnparsableMessage {
  kind: 'request' | 'response';
  /** The request's method (ACK and CANCEL need, and get, no response). */
  method: string | undefined;
  transactionId: string;
  protocol: string;
  source: string;
  sourcePort: number;
  callId: string | undefined;
  firstLine: string;
}

/** The message in a wire-protocol frame when it is a SIP message from the network that drachtio-srf would fail to parse. */
export function unparsable(frame: string): UnparsableMessage | undefined {
  const eol = frame.indexOf('\r\n');
  if (eol < 0) return undefined;
  const token = frame.slice(0, eol).split('|');
  // msgId|sip|network|length|protocol|address|port|time|transactionId|dialogId|…
  if (token[1] !== 'sip' || token[2] !== 'network' || token.length < 10) return undefined;
  const raw = frame.slice(eol + 2);
  try {
    new SipMessage(raw);
    return undefined;
  } catch {
    const firstLine = raw.slice(0, raw.search(/\r?\n|$/)).slice(0, 200);
    const response = firstLine.startsWith('SIP/');
    return {
      kind: response ? 'response' : 'request',
      method: response ? undefined : /^([A-Za-z]+) /.exec(firstLine)?.[1]?.toUpperCase(),
      transactionId: token[8]!,
      protocol: token[4]!,
      source: token[5]!,
      sourcePort: Number(token[6]),
      callId: /^(?:call-id|i)\s*:\s*(\S{1,128})/im.exec(raw)?.[1],
      firstLine,
    };
  }
}

const guarded = new WeakSet<object>();


/**
 * Put the check in front of drachtio-srf's reader. Call after `srf.connect()` (the
 * wire protocol exists from then on and is kept across reconnects); idempotent.
 */
export function answerUnparsableMessages(srf: Srf, log: Logger): void {
  const wp = (srf as unknown as { app?: { client?: { wp?: WireProtocol } } }).app?.client?.wp;
  if (!wp || typeof wp.send !== 'function' || wp.listenerCount('msg') === 0) {
    throw new DrachtioInternalsError('drachtio-srf has no wire protocol with a msg listener: call after connect(), or drachtio-srf changed');
  }
  if (guarded.has(wp)) return;
  guarded.add(wp);
  const downstream = wp.listeners('msg') as MsgListener[];
  wp.removeAllListeners('msg');
  wp.on('msg', (socket: unknown, frame: string) => {
    let bad: UnparsableMessage | undefined;
    try {
      bad = unparsable(frame);
      if (bad) refuse(wp, socket, bad, log);
    } catch (err) {
      // Thrown from here it would be rethrown out of the socket's data handler.
      log.error({ err }, 'checking a SIP message from drachtio failed');
    }
    if (!bad) for (const l of downstream) l.call(wp, socket, frame);
  });
}

function refuse(wp: WireProtocol, socket: unknown, m: UnparsableMessage, log: Logger): void {
  const answered = m.kind === 'request' && m.method !== 'ACK' && m.method !== 'CANCEL';
  if (answered) wp.send(socket, `sip|${m.transactionId}|\r\nSIP/2.0 400 Bad Request\r\n\r\n`);
  log.warn(
    {
      event: 'sip_unparsable_message',
      kind: m.kind,
      method: m.method,
      source: m.source,
      sourcePort: m.sourcePort,
      protocol: m.protocol,
      callId: m.callId,
      firstLine: m.firstLine,
      answered: answered ? 400 : undefined,
    },
    answered ? 'SIP request that cannot be parsed answered 400' : 'SIP message that cannot be parsed dropped',
  );
}
