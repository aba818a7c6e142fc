import type { EventTicket, MeView, StreamEvent } from '../../contract';
import { COACHING_NOTICE_EVENT } from '../../contract/values';
import { ApiClient } from '../api/client';
import { ApiClientError } from '../api/errors';
import { LiveEvents } from '../api/event-stream';
import { tokenStorage } from '../api/token-storage';
import type { Mode, UserStatus } from '../contract-types';
import { MODE_LABEL, participantName, sessionText } from '../format/labels';
import { Announcer } from './announcer';
import { CallRefresher } from './call-refresher';
import { CallsBook } from './calls-book';
import { Connection } from './connection';
import { CallDetail } from './detail';
import { MySession } from './my-session';
import { Observable } from './observable';
import { People } from './people';

export type Phase = 'signed-out' | 'signing-in' | 'loading' | 'ready';

/** What a signed-in page holds; built anew at every sign-in, dropped at sign-out. */
export class SignedIn {
  readonly book = new CallsBook();
  readonly people = new People();
  readonly session = new MySession();
  readonly connection = new Connection();
  readonly detail: CallDetail;
  readonly refresher: CallRefresher;
  readonly stream: LiveEvents;

  constructor(
    readonly api: ApiClient,
    readonly app: AppModel,
  ) {
    this.detail = new CallDetail(api);
    this.refresher = new CallRefresher(api, this.book, (c) => this.detail.update(c), (err) => app.failed(err));
    this.stream = new LiveEvents(api, {
      event: (e) => this.onEvent(e),
      resync: () => void this.reload(),
      status: (s, detail) => this.onStreamStatus(s, detail),
      unauthorized: () => app.signOut('Your token is no longer valid: sign in again.'),
    });
  }

  get isStaff(): boolean {
    const r = this.people.me?.role;
    return r === 'supervisor' || r === 'admin';
  }

  /** First read of the state, then the stream from the event id taken before it (nothing in between is lost). */
  /** The state read after `ticket` was issued, then the stream from the ticket's event id: nothing in between is lost. */
  async load(ticket: EventTicket): Promise<MeView['user']> {
    const me = await this.reload();
    this.stream.start(ticket.lastEventId, ticket.ticket);
    return me;
  }

  /**
   * Everything read again, all at once (the directory as soon as the role is known): at
   * sign-in, and when the stream says it could not replay what was missed.
   */
  async reload(): Promise<MeView['user']> {
    const calls = this.api.calls();
    const me = await this.api.me();
    const staff = me.user.role === 'supervisor' || me.user.role === 'admin';
    const dir = staff ? Promise.all([this.api.users(), this.api.numbers()]) : undefined;
    this.people.setMe(me.user);
    if (me.session || this.session.live) this.session.set(me.session);
    this.book.replaceAll(await calls);
    if (dir) {
      const [users, numbers] = await dir;
      this.people.setDirectory(users, numbers);
    }
    if (this.detail.callId) this.refresher.touch(this.detail.callId);
    return me.user;
  }

  // ---- commands ----

  async startSupervision(callId: string, target: string, mode: Mode, notify = false): Promise<void> {
    const s = await this.api.startSupervision(callId, { target, mode, ...(mode === 'coach' ? { notify } : {}) });
    this.session.set(s);
    this.announceSession();
    this.refresher.touch(callId);
  }

  async switchMode(mode: Mode, notify?: boolean): Promise<void> {
    const live = this.session.live;
    if (!live) return;
    const s = await this.api.switchMode(live.id, mode, mode === 'coach' ? notify : undefined);
    this.session.set(s);
    this.app.announcer.say(`Switched to ${MODE_LABEL[mode].toLowerCase()}.`);
    this.refresher.touch(s.callId);
  }

  async stop(): Promise<void> {
    const live = this.session.live;
    if (!live) return;
    const s = await this.api.stop(live.id);
    this.session.set(s);
    this.announceSession();
    this.refresher.touch(s.callId);
  }

  /** Takes the call over: the session ends (reason takeover), the supervisor's phone stays with the customer. */
  async takeOver(): Promise<void> {
    const live = this.session.live;
    if (!live) return;
    const s = await this.api.takeOver(live.id);
    this.session.set(s);
    this.app.announcer.say('You took the call over: the agent was released and you are talking with the customer.');
    this.refresher.touch(s.callId);
  }

  /** Starts again what the last session did (same call, participant and mode). */
  async rejoin(): Promise<void> {
    const last = this.session.session;
    if (!last || this.session.live) return;
    await this.startSupervision(last.callId, last.target, last.mode, last.notify);
  }

  async setStatus(status: UserStatus, userId = this.people.me?.id): Promise<string> {
    if (!userId) return '';
    const r = await this.api.setStatus(userId, status);
    this.people.setStatus(userId, r.status);
    if (this.detail.callId) this.refresher.touch(this.detail.callId);
    return r.after ? `Your status changes to ${r.after} when your session ends.` : '';
  }

  close(): void {
    this.stream.stop();
  }

  // ---- the stream ----

  private onEvent(e: StreamEvent): void {
    const me = this.people.me;
    switch (e.kind) {
      case 'call':
        if (e.callId) {
          this.refresher.touch(e.callId);
          this.detail.addEvent(e);
        }
        return;
      case 'supervision': {
        if (e.callId) {
          this.refresher.touch(e.callId);
          this.detail.addEvent(e);
        }
        const mine = e.detail?.supervisorId === me?.id;
        if (mine && e.sessionId) void this.refreshSession(e.sessionId);
        return;
      }
      case 'user': {
        const userId = e.detail?.userId;
        const status = e.detail?.status;
        if (e.type === 'user_status_changed' && typeof userId === 'string' && isStatus(status)) {
          this.people.setStatus(userId, status);
          if (userId === me?.id && this.detail.callId) this.refresher.touch(this.detail.callId);
        } else if (this.isStaff) {
          void this.reloadDirectory();
        }
        return;
      }
      case 'notice':
        // The call is read again; the agent's page announces the notice from its own live region.
        if (e.type === COACHING_NOTICE_EVENT && e.callId) this.refresher.touch(e.callId);
        return;
    }
  }

  private onStreamStatus(s: 'connecting' | 'live' | 'reconnecting', detail = ''): void {
    const wasLost = this.connection.lost && this.connection.stream !== 'live';
    this.connection.setStream(s, detail);
    if (s === 'reconnecting' && !wasLost) this.app.announcer.say('Live updates lost; reconnecting.', true);
    if (s === 'live' && wasLost) this.app.announcer.say('Live updates are back.');
  }

  private async refreshSession(id: string): Promise<void> {
    try {
      const s = await this.api.session(id);
      const before = this.session.set(s);
      if (before?.state !== s.state) this.announceSession();
    } catch (err) {
      this.app.failed(err);
    }
  }

  private directoryTimer: ReturnType<typeof setTimeout> | undefined;
  private async reloadDirectory(): Promise<void> {
    clearTimeout(this.directoryTimer);
    this.directoryTimer = setTimeout(async () => {
      try {
        const [users, numbers] = await Promise.all([this.api.users(), this.api.numbers()]);
        this.people.setDirectory(users, numbers);
      } catch (err) {
        this.app.failed(err);
      }
    }, 200);
  }

  private announceSession(): void {
    const s = this.session.session;
    if (!s) return;
    const target = this.book.get(s.callId)?.participants.find((p) => p.id === s.target);
    const t = sessionText(s, this.people.me?.device?.kind, target ? participantName(target) : 'the call');
    this.app.announcer.say(`${t.title}. ${t.detail}`, s.state === 'failed');
  }
}

const isStatus = (s: unknown): s is UserStatus => s === 'available' || s === 'busy' || s === 'unavailable';

/** The page: signed out, or signed in with a token kept for this tab. */
export class AppModel extends Observable {
  phase: Phase = 'signed-out';
  signInError = '';
  signedIn: SignedIn | undefined;
  readonly announcer = new Announcer();

  constructor(private readonly apiBase: URL) {
    super();
  }

  /** Signs in again with the tab's token after a reload. */
  resume(): void {
    const token = tokenStorage.get();
    if (token) void this.signIn(token);
  }

  async signIn(token: string): Promise<void> {
    this.phase = 'signing-in';
    this.signInError = '';
    this.changed();
    const api = new ApiClient(token.trim(), this.apiBase);
    // The ticket comes first: it checks the token, and the event id it carries is the
    // point the state about to be read is from.
    let ticket: EventTicket;
    try {
      ticket = await api.eventTicket();
    } catch (err) {
      tokenStorage.clear();
      this.phase = 'signed-out';
      this.signInError = err instanceof ApiClientError && err.unauthorized ? 'That token is not valid.' : messageOf(err);
      this.changed();
      return;
    }
    tokenStorage.set(token.trim());
    const s = new SignedIn(api, this);
    this.signedIn = s;
    this.phase = 'loading';
    this.changed();
    try {
      const me = await s.load(ticket);
      this.phase = 'ready';
      this.announcer.say(`Signed in as ${me.name}.`);
    } catch (err) {
      this.failed(err);
      this.phase = 'ready';
    }
    this.changed();
  }

  signOut(message = ''): void {
    this.signedIn?.close();
    this.signedIn = undefined;
    tokenStorage.clear();
    this.phase = 'signed-out';
    this.signInError = message;
    if (message) this.announcer.say(message, true);
    this.changed();
  }

  /** A failed read or command not tied to one control: shown in the page's banner. */
  failed(err: unknown): void {
    if (err instanceof ApiClientError && err.unauthorized) {
      this.signOut('Your token is no longer valid: sign in again.');
      return;
    }
    this.signedIn?.connection.setError(messageOf(err));
  }
}

export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
