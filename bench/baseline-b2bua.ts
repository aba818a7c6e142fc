/**
 * The baseline for bench/stack.ts: the least a drachtio-srf + drachtio-fsmrf app must do
 * for the same media work as coachline, and nothing else (no Redis, no directory, no
 * plan, no ringback, no API):
 *   INVITE → FreeSWITCH endpoint answers the offer → it joins a conference → 183 →
 *   a second endpoint makes an offer → INVITE to the agent → its answer to FreeSWITCH →
 *   it joins the same conference → 200 OK to the caller. BYE on either side tears down all.
 * For supervision it adds a third leg the same way (joined muted, like a monitor) and
 * sends mod_conference commands as they are given.
 *
 * The number dialed picks the agent through `agentFor` (request-URI user → SIP URI).
 * ESL connections get TCP_NODELAY, as coachline's do (src/media/fsmrf-types.ts), so the
 * comparison is not about Nagle.
 */
import Srf from 'drachtio-srf';
import { FsEndpoint, FsMediaServer, Mrf, noDelay } from '../src/media/fsmrf-types';

export interface BaselineOptions {
  drachtio: { host: string; port: number; secret: string };
  freeswitch: { address: string; port: number; secret: string; listenAddress: string; listenPort: number };
  /** mod_conference profile (coachline's, for the same mixing work). */
  profile: string;
  agentFor(dialedUser: string): string | undefined;
}

export interface BaselineCall {
  id: number;
  conference: string;
  agentUri: string;
  members: { customer: number; agent: number };
  endpoints: FsEndpoint[];
  dialogs: Srf.Dialog[];
}

export interface BaselineLeg {
  endpoint: FsEndpoint;
  dialog: Srf.Dialog;
  memberId: number;
}

/** BYE unless the dialog is already gone; drachtio-srf's promise form would reject (ENODIALOG) unhandled. */
function hangup(d: Srf.Dialog): void {
  if ((d as unknown as { connected?: boolean }).connected === false) return;
  d.destroy(undefined, () => undefined);
}

export class BaselineB2bua {
  private readonly srf = new Srf();
  private ms: FsMediaServer | undefined;
  private seq = 0;
  readonly calls = new Map<number, BaselineCall>();
  failures = 0;
  lastError: string | undefined;

  constructor(private readonly o: BaselineOptions) {}

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`baseline: no drachtio at ${this.o.drachtio.host}:${this.o.drachtio.port}`)), 5000);
      this.srf.connect(this.o.drachtio);
      this.srf.once('connect', (err: Error) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      });
    });
    const mrf = new Mrf(this.srf);
    const f = this.o.freeswitch;
    this.ms = await mrf.connect({ address: f.address, port: f.port, secret: f.secret, listenAddress: f.listenAddress, listenPort: f.listenPort });
    noDelay(this.ms.conn);
    this.srf.invite((req, res) => {
      this.inbound(req, res).catch((err: unknown) => {
        this.failures += 1;
        this.lastError = (err as Error).message ?? String(err);
        if (!res.finalResponseSent) res.send(500);
      });
    });
  }

  private server(): FsMediaServer {
    if (!this.ms) throw new Error('baseline not started');
    return this.ms;
  }

  private async endpoint(remoteSdp?: string): Promise<FsEndpoint> {
    const ep = await this.server().createEndpoint(remoteSdp ? { remoteSdp } : {});
    noDelay(ep.conn);
    return ep;
  }

  private async inbound(req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
    const user = /^sips?:([^@;]+)/.exec(req.uri)?.[1] ?? '';
    const agentUri = this.o.agentFor(user);
    if (!agentUri) return void res.send(404);
    const id = ++this.seq;
    const conference = `baseline-${process.pid}-${id}`;
    const endpoints: FsEndpoint[] = [];
    const dialogs: Srf.Dialog[] = [];
    try {
      const customer = await this.endpoint(req.body);
      endpoints.push(customer);
      const c = await customer.join(conference, { profile: this.o.profile });
      res.send(183, { body: customer.local.sdp, headers: { 'Content-Type': 'application/sdp' } });

      const agent = await this.endpoint();
      endpoints.push(agent);
      const uac = await this.srf.createUAC(agentUri, { localSdp: agent.local.sdp });
      dialogs.push(uac);
      await agent.modify(uac.remote.sdp);
      const a = await agent.join(conference, { profile: this.o.profile });

      const uas = await this.srf.createUAS(req, res, { localSdp: customer.local.sdp });
      dialogs.push(uas);
      const call: BaselineCall = { id, conference, agentUri, members: { customer: c.memberId, agent: a.memberId }, endpoints, dialogs };
      this.calls.set(id, call);
      const end = (): void => this.end(call);
      uas.on('destroy', end);
      uac.on('destroy', end);
    } catch (err) {
      for (const d of dialogs) hangup(d);
      await Promise.all(endpoints.map((e) => e.destroy().catch(() => undefined)));
      throw err;
    }
  }

  private end(call: BaselineCall): void {
    if (!this.calls.delete(call.id)) return;
    for (const d of call.dialogs) hangup(d);
    for (const e of call.endpoints) void e.destroy().catch(() => undefined);
  }

  /** The live call whose agent leg went to `agentUri`. */
  callTo(agentUri: string): BaselineCall | undefined {
    return [...this.calls.values()].find((c) => c.agentUri === agentUri);
  }

  /**
   * A third leg into the call's conference, joined muted (a monitor), the way the
   * minimal app would: endpoint offer → INVITE → answer to FreeSWITCH → join.
   */
  async addLeg(call: BaselineCall, uri: string): Promise<BaselineLeg> {
    const endpoint = await this.endpoint();
    const dialog = await this.srf.createUAC(uri, { localSdp: endpoint.local.sdp });
    await endpoint.modify(dialog.remote.sdp);
    const { memberId } = await endpoint.join(call.conference, { profile: this.o.profile, flags: { mute: true } });
    call.endpoints.push(endpoint);
    return { endpoint, dialog, memberId };
  }

  async dropLeg(call: BaselineCall, leg: BaselineLeg): Promise<void> {
    call.endpoints = call.endpoints.filter((e) => e !== leg.endpoint);
    hangup(leg.dialog);
    await leg.endpoint.destroy().catch(() => undefined);
  }

  /** `conference <args>` on the media server. */
  async conference(args: string): Promise<string> {
    return this.server().api(`conference ${args}`);
  }

  async stop(): Promise<void> {
    for (const c of [...this.calls.values()]) this.end(c);
    await new Promise((r) => setTimeout(r, 200));
    try {
      this.ms?.disconnect();
    } catch {
      /* closing anyway */
    }
    this.srf.disconnect();
  }
}
