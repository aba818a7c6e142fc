/**
 * Every Redis key and channel coachline uses, behind the configurable prefix
 * (REDIS_KEY_PREFIX), so two deployments can share one Redis. Nothing else in the
 * code spells a key. User-supplied strings only ever land in the last segment of a
 * key and are never used as a pattern (no KEYS/SCAN on input).
 *
 *   call:{id}                 JSON CallRecord; lease TTL while live, TIMELINE_TTL after the end
 *   calls:live                zset callId → lease expiry (ms): which calls are live
 *   calls:ids                 zset callId, score 0 (ordered by id): the listing's pages
 *   calls:version             hash callId → random id of the live record's last write (listings re-read changed records only)
 *   calls:ids:number:{e164}   the same, live calls on a number
 *   calls:ids:agent:{userId}  the same, live calls an agent is on
 *   session:{id}              JSON SessionRecord; lease TTL while live, TIMELINE_TTL after
 *   sessions:call:{callId}    zset sessionId → lease expiry, live sessions of a call
 *   calls:supervised          zset callId → lease expiry of its latest live session: a listing reads sessions only of these
 *   lock:coach:{callId}:{pid} sessionId of the one coach of that agent leg (PX lease)
 *   lock:supervisor:{userId}  sessionId of the one session of that supervisor (PX lease)
 *   presence:{userId}         hash status, restore, session
 *   timeline:{callId}         list of JSON timeline entries (seq = index + 1)
 *   user:{id} / users         JSON StoredUser / set of ids
 *   users:admin               set of the ids of users with the admin role (the last one stays)
 *   number:{e164} / numbers   JSON NumberEntry / set of e164s
 *   token:{sha256}            userId
 *   sipcred:{username}        userId owning that SIP username (credential in the user record)
 *   registrations:{userId}    hash contact → JSON Registration (SIP registrar)
 *   directory:bootstrapped    ISO time the directory file was imported
 *   events:seq                global event id counter
 *   ratelimit:{what}:{who}    fixed-window counter (auth failures per address, starts per supervisor, SIP digest failures
 *                             per address and per SIP username, sipauth:good:{address}:{username}); expires with its window
 *   events:recent             list of the newest published events (JSON), newest first, capped: SSE resume
 *   events:ticket:{sha256}    JSON {userId, tokenSha256} a single-use event-stream ticket was issued to (short TTL)
 *   events  (pub/sub channel) every call, supervision and user event
 *   instance:{id}:commands / instance:{id}:replies  (pub/sub channels) commands forwarded to the instance that owns a call or session, and their replies
 */
export class Keys {
  constructor(readonly prefix: string) {}

  private k(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  call = (id: string): string => this.k('call', id);
  liveCalls = (): string => this.k('calls', 'live');
  liveCallIds = (): string => this.k('calls', 'ids');
  callVersions = (): string => this.k('calls', 'version');
  callIdsByNumber = (e164: string): string => this.k('calls', 'ids', 'number', e164);
  callIdsByAgent = (userId: string): string => this.k('calls', 'ids', 'agent', userId);

  session = (id: string): string => this.k('session', id);
  sessionsByCall = (callId: string): string => this.k('sessions', 'call', callId);
  /** `sessionsByCall(id)` without the id, for the call page's script (PAGE_CALL_IDS), which learns the ids itself. */
  sessionsByCallPrefix = (): string => this.k('sessions', 'call', '');
  supervisedCalls = (): string => this.k('calls', 'supervised');

  coachLock = (callId: string, participantId: string): string => this.k('lock', 'coach', callId, participantId);
  supervisorLock = (userId: string): string => this.k('lock', 'supervisor', userId);
  presence = (userId: string): string => this.k('presence', userId);

  timeline = (callId: string): string => this.k('timeline', callId);

  user = (id: string): string => this.k('user', id);
  /** `user(id)` without the id, for the one script that learns the id itself (AUTH_LOOKUP). */
  userKeyPrefix = (): string => this.k('user', '');
  users = (): string => this.k('users');
  admins = (): string => this.k('users', 'admin');
  number = (e164: string): string => this.k('number', e164);
  numbers = (): string => this.k('numbers');
  token = (sha256: string): string => this.k('token', sha256);
  sipCredential = (username: string): string => this.k('sipcred', username);
  bootstrapped = (): string => this.k('directory', 'bootstrapped');
  registrations = (userId: string): string => this.k('registrations', userId);

  eventSeq = (): string => this.k('events', 'seq');
  rateLimit = (what: string): string => this.k('ratelimit', what);
  recentEvents = (): string => this.k('events', 'recent');
  eventTicket = (sha256: string): string => this.k('events', 'ticket', sha256);
  eventChannel = (): string => this.k('events');
  /** Pub/sub channels of one app instance: commands for what it owns, and replies to the commands it sent. */
  instanceCommands = (instanceId: string): string => this.k('instance', instanceId, 'commands');
  instanceReplies = (instanceId: string): string => this.k('instance', instanceId, 'replies');
}
