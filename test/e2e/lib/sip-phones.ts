import Srf from 'drachtio-srf';
import { RtpPhone } from './rtp-phone';

/**
 * SIP test phones on their own drachtio-server: each is a drachtio-srf UA with an RTP
 * phone that sends its tone. Incoming INVITEs are routed by the request-URI user to
 * the phone of that name, which answers, rings, or refuses as its behaviour says, and
 * remembers the headers it was called with (auto-answer checks).
 */
export type Answering = { kind: 'auto' } | { kind: 'after'; ms: number } | { kind: 'reject'; status: number } | { kind: 'never' };

export class SipPhone {
  readonly rtp: RtpPhone;
  dialog: Srf.Dialog | undefined;
  lastInvite: Srf.SrfRequest | undefined;
  /** The Reason header of the last BYE this phone got, if it had one. */
  lastByeReason: string | undefined;
  answering: Answering = { kind: 'auto' };
  private hangupWaiters: (() => void)[] = [];
  private inviteWaiters: (() => void)[] = [];

  constructor(
    readonly name: string,
    toneHz: number,
    private readonly book: PhoneBook,
  ) {
    this.rtp = new RtpPhone(toneHz);
  }

  get connected(): boolean {
    return !!this.dialog;
  }

  private adopt(dialog: Srf.Dialog): void {
    this.dialog = dialog;
    this.rtp.setRemote(dialog.remote.sdp);
    dialog.on('destroy', (bye?: Srf.SrfRequest) => {
      this.lastByeReason = bye?.get?.('Reason') || undefined;
      this.gone();
    });
    dialog.on('modify', (req: Srf.SrfRequest, res: Srf.SrfResponse) => {
      this.rtp.setRemote(req.body || dialog.remote.sdp);
      res.send(200, { body: this.rtp.sdp(), headers: { 'Content-Type': 'application/sdp' } });
    });
  }

  private gone(): void {
    this.dialog = undefined;
    const w = this.hangupWaiters;
    this.hangupWaiters = [];
    w.forEach((f) => f());
  }

  async onInvite(req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
    this.lastInvite = req;
    const w = this.inviteWaiters;
    this.inviteWaiters = [];
    w.forEach((f) => f());
    const a = this.answering;
    if (a.kind === 'reject') return void res.send(a.status);
    res.send(180);
    if (a.kind === 'never') return; // rings until cancelled
    if (a.kind === 'after') await new Promise((r) => setTimeout(r, a.ms));
    let cancelled = false;
    req.on('cancel', () => (cancelled = true));
    if (cancelled) return;
    const dialog = await this.book.srf.createUAS(req, res, { localSdp: this.rtp.sdp() });
    this.adopt(dialog);
  }

  private pendingInvite: { cancel: (cb?: () => void) => void; get?: (h: string) => string } | undefined;

  /** Call-ID of the INVITE this phone is still waiting on (what a semi-attended REFER's Replaces names). */
  pendingCallId(): string | undefined {
    return this.pendingInvite?.get?.('Call-ID');
  }

  async call(uri: string, headers: Record<string, string> = {}): Promise<void> {
    const dialog = await this.book.srf.createUAC(
      uri,
      { localSdp: this.rtp.sdp(), headers: { From: `<sip:${this.name}@${this.book.sipAddress}>`, ...headers } },
      // drachtio-srf calls cbRequest(err, req), whatever its typings say.
      { cbRequest: ((_err: unknown, req: { cancel: (cb?: () => void) => void; get?: (h: string) => string }) => (this.pendingInvite = req)) as never },
    );
    this.pendingInvite = undefined;
    this.adopt(dialog);
  }

  /** CANCEL the INVITE this phone is still waiting on. */
  cancelPending(): void {
    this.pendingInvite?.cancel(() => undefined);
  }

  async hold(how: 'sendonly' | 'inactive' = 'sendonly'): Promise<void> {
    this.rtp.setSilent(true);
    const answer = await this.dialog!.modify(this.rtp.sdp(how));
    if (typeof answer === 'string' && answer) this.rtp.setRemote(answer);
  }

  async resume(): Promise<void> {
    this.rtp.setSilent(false);
    const answer = await this.dialog!.modify(this.rtp.sdp('sendrecv'));
    if (typeof answer === 'string' && answer) this.rtp.setRemote(answer);
  }

  async refer(target: string): Promise<number> {
    const res = await this.dialog!.request({ method: 'REFER', headers: { 'Refer-To': `<${target}>`, 'Referred-By': `<sip:${this.name}@${this.book.sipAddress}>` } } as unknown as Srf.SrfRequest);
    return res.status;
  }

  async sendInfoDtmf(digit: string): Promise<number> {
    const res = await this.dialog!.request({
      method: 'INFO',
      headers: { 'Content-Type': 'application/dtmf-relay' },
      body: `Signal=${digit}\r\nDuration=160\r\n`,
    } as unknown as Srf.SrfRequest);
    return res.status;
  }

  /** REGISTER this phone with coachline; digest credentials answered by drachtio-srf. Resolves with the final status. */
  register(registrar: string, credentials?: { username: string; password: string }, expires = 300): Promise<number> {
    const aor = `sip:${this.name}@${registrar}`;
    const srf = this.book.srf as unknown as { request(uri: string, opts: object): Promise<any> };
    return new Promise((resolve, reject) => {
      srf
        .request(`sip:${registrar}`, {
          method: 'REGISTER',
          headers: {
            To: `<${aor}>`,
            From: `<${aor}>`,
            Contact: `<sip:${this.name}@${this.book.sipAddress}>;expires=${expires}`,
            Expires: String(expires),
          },
          ...(credentials ? { auth: credentials } : {}),
        })
        .then((req: any) => req.on('response', (res: { status: number }) => {
          if (res.status >= 200) resolve(res.status);
        }))
        .catch(reject);
    });
  }

  hangup(): void {
    const d = this.dialog;
    this.dialog = undefined;
    d?.destroy({ headers: {} }, () => undefined);
  }

  waitHangup(timeoutMs = 10_000): Promise<void> {
    if (!this.dialog) return Promise.resolve();
    return withTimeout(new Promise<void>((r) => this.hangupWaiters.push(r)), timeoutMs, `${this.name} was not hung up`);
  }

  waitInvite(timeoutMs = 10_000): Promise<void> {
    return withTimeout(new Promise<void>((r) => this.inviteWaiters.push(r)), timeoutMs, `${this.name} got no INVITE`);
  }
}

export class PhoneBook {
  readonly srf = new Srf();
  private readonly phones = new Map<string, SipPhone>();

  constructor(readonly sipAddress: string) {
    this.srf.invite((req, res) => {
      const user = /^sips?:([^@;]+)/.exec(req.uri)?.[1] ?? '';
      const phone = this.phones.get(user);
      if (!phone) return void res.send(404);
      phone.onInvite(req, res).catch(() => {
        if (!res.finalResponseSent) res.send(500);
      });
    });
  }

  connect(host: string, port: number, secret: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`phones: no drachtio at ${host}:${port}`)), 5000);
      this.srf.connect({ host, port, secret });
      this.srf.once('connect', (err: Error) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      });
    });
  }

  /** A new phone answering to `name` (a previous phone of that name is hung up and closed). */
  async phone(name: string, toneHz: number): Promise<SipPhone> {
    const previous = this.phones.get(name);
    if (previous) {
      previous.hangup();
      previous.rtp.close();
    }
    const p = new SipPhone(name, toneHz, this);
    await p.rtp.open();
    this.phones.set(name, p);
    return p;
  }

  close(): void {
    for (const p of this.phones.values()) {
      p.hangup();
      p.rtp.close();
    }
    this.srf.disconnect();
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(what)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
