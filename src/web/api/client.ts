import type {
  CallList, CallView, ErrorBody, EventTicket, MeView, NumberList, SessionView, StartSupervisionBody, StatusView, Timeline, UserList,
} from '../../contract';
import { CALLS_PAGE, TIMELINE_PAGE } from '../../contract/values';
import type { Mode, UserStatus } from '../contract-types';
import { ApiClientError } from './errors';

/**
 * The page's one door to the API, typed with the contract's TypeBox-derived types.
 * URLs are relative to the page (`v1/…` against document.baseURI), so the app works
 * behind a reverse proxy on any sub-path.
 */
export class ApiClient {
  constructor(
    private readonly token: string,
    private readonly base: URL,
  ) {}

  me = (): Promise<MeView> => this.request('GET', 'v1/me');
  /** Every live call the user may see: the listing is paged, so this follows `next` to the end. */
  async calls(): Promise<CallView[]> {
    const out: CallView[] = [];
    let cursor: string | undefined;
    do {
      const q = new URLSearchParams({ limit: String(CALLS_PAGE.max), ...(cursor ? { cursor } : {}) });
      const page = await this.request<CallList>('GET', `v1/calls?${q}`);
      out.push(...page.calls);
      cursor = page.next;
    } while (cursor);
    return out;
  }

  call = (id: string): Promise<CallView> => this.request('GET', `v1/calls/${encodeURIComponent(id)}`);
  /** A call's whole timeline, page after page. */
  async timeline(id: string): Promise<Timeline['events']> {
    const out: Timeline['events'] = [];
    let cursor: string | undefined;
    do {
      const q = new URLSearchParams({ limit: String(TIMELINE_PAGE.max), ...(cursor ? { cursor } : {}) });
      const page = await this.request<Timeline>('GET', `v1/calls/${encodeURIComponent(id)}/timeline?${q}`);
      out.push(...page.events);
      cursor = page.next;
    } while (cursor);
    return out;
  }
  users = async (): Promise<UserList['users']> => (await this.request<UserList>('GET', 'v1/users')).users;
  numbers = async (): Promise<NumberList['numbers']> => (await this.request<NumberList>('GET', 'v1/numbers')).numbers;
  session = (id: string): Promise<SessionView> => this.request('GET', `v1/supervisions/${encodeURIComponent(id)}`);
  startSupervision = (callId: string, body: StartSupervisionBody): Promise<SessionView> =>
    this.request('POST', `v1/calls/${encodeURIComponent(callId)}/supervisions`, body);
  switchMode = (sessionId: string, mode: Mode, notify?: boolean): Promise<SessionView> =>
    this.request('PATCH', `v1/supervisions/${encodeURIComponent(sessionId)}`, { mode, ...(notify !== undefined ? { notify } : {}) });
  stop = (sessionId: string): Promise<SessionView> => this.request('DELETE', `v1/supervisions/${encodeURIComponent(sessionId)}`);
  takeOver = (sessionId: string): Promise<SessionView> => this.request('POST', `v1/supervisions/${encodeURIComponent(sessionId)}/takeover`);
  setStatus = (userId: string, status: UserStatus): Promise<StatusView> => this.request('PUT', `v1/users/${encodeURIComponent(userId)}/status`, { status });
  eventTicket = (): Promise<EventTicket> => this.request('POST', 'v1/events/tickets');

  /** Where the event stream is, for a ticket (EventSource sends no Authorization header). */
  eventsUrl(ticket: string, lastEventId: number): string {
    const u = new URL('v1/events', this.base);
    u.searchParams.set('ticket', ticket);
    u.searchParams.set('lastEventId', String(lastEventId));
    u.searchParams.set('dispatch', 'message');
    return u.href;
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.base), {
        method,
        headers: { authorization: `Bearer ${this.token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch {
      throw new ApiClientError('network', 'coachline cannot be reached; check your connection', 0);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new ApiClientError('bad_response', `coachline answered ${res.status} with something that is not JSON`, res.status);
    }
    if (!res.ok) {
      const err = (json as ErrorBody | undefined)?.error;
      throw new ApiClientError(err?.code ?? 'bad_response', err?.message ?? `coachline answered ${res.status}`, res.status);
    }
    return json as T;
  }
}
