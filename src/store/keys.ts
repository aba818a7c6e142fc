/**
 * Every Redis key and channel coachline uses, behind the configurable prefix
 * (REDIS_KEY_PREFIX), so two deployments can share one Redis. Nothing else in the
 * code spells a key. User-supplied strings only ever land in the last segment of a
 * key and are never used as a pattern (no KEYS/SCAN on input).
 *
 * Redis Cluster hashes only the part of a key inside its first `{…}` (the hash tag),
 * and a script or MULTI must keep all its keys in one slot. So the keys that scripts
 * and MULTIs use together carry one tag (P is the prefix, `coachline:` by default):
 *
 *   {calls}   every key of live calls and sessions and their indexes: the call and
 *             session records, the listing's id indexes, the leases, the supervised
 *             index. Written together by CallStore.save / REFRESH_CALL / RENEW_CALLS /
 *             SessionStore.save / RENEW_SESSION, read together by PAGE_CALL_IDS.
 *   {dir}     the directory (users, numbers, credentials), presence, and the two
 *             supervision locks: WRITE_USER / DELETE_USER touch a user with its
 *             presence and credentials, CLAIM / RELEASE / RENEW_LOCKS / SET_STATUS a
 *             supervisor's presence with its lock and an agent leg's coach lock.
 *   {events}  the timelines, the event counter and the recent events: APPEND_TIMELINE
 *             appends to a timeline and numbers and keeps the event in one step.
 *   (none)    keys no script or MULTI shares with another key (rate-limit counters,
 *             registrations, event-stream tickets) spread over the cluster.
 *
 * Each tag is one slot, so one node serves all of it: the {calls} slot in particular
 * takes every call's saves, renewals and listings (docs/redis.md, "The hot
 * slot"). A prefix holding a tag of its own (`{coachline}:`) puts every key in that
 * one slot instead, which is as correct.
 *
 *   P{calls}:call:<id>                JSON CallRecord; lease TTL while live, TIMELINE_TTL after the end
 *   P{calls}:live                     zset callId → lease expiry (ms): which calls are live
 *   P{calls}:ids                      zset callId, score 0 (ordered by id): the listing's pages
 *   P{calls}:version                  hash callId → random id of the live record's last write (listings re-read changed records only)
 *   P{calls}:ids:number:<e164>        the same, live calls on a number
 *   P{calls}:ids:agent:<userId>       the same, live calls an agent is on
 *   P{calls}:session:<id>             JSON SessionRecord; lease TTL while live, TIMELINE_TTL after
 *   P{calls}:sessions:call:<callId>   zset sessionId → lease expiry, live sessions of a call
 *   P{calls}:supervised               zset callId → lease expiry of its latest live session: a listing reads sessions only of these
 *   P{calls}:instances                zset instanceId → heartbeat expiry (ms): the app instances alive
 *   P{calls}:instance:<id>:reaper     id of the survivor finishing a lost instance's calls (PX claim)
 *   P{calls}:instance:<id>:lost       tombstone of an instance whose calls were finished for it (TIMELINE_TTL)
 *   P{calls}:instance:<id>:dialogs    set of the drachtio dialog ids the instance holds (phones, trunk, supervisors, FreeSWITCH; LOCK_TTL, renewed by its beats)
 *   P{calls}:instance:<id>:drachtio   host:port of the drachtio-server those dialogs are on (the same TTL)
 *   P{dir}:lock:coach:<callId>:<pid>  sessionId of the one coach of that agent leg (PX lease)
 *   P{dir}:lock:supervisor:<userId>   sessionId of the one session of that supervisor (PX lease)
 *   P{dir}:presence:<userId>          hash status, restore, session
 *   P{dir}:user:<id> / P{dir}:users   JSON StoredUser / set of ids
 *   P{dir}:users:admin                set of the ids of users with the admin role (the last one stays)
 *   P{dir}:number:<e164> / P{dir}:numbers  JSON NumberEntry / set of e164s
 *   P{dir}:token:<sha256>             userId
 *   P{dir}:sipcred:<username>         userId owning that SIP username (credential in the user record)
 *   P{dir}:bootstrapped               ISO time the directory file was imported
 *   P{events}:timeline:<callId>       list of JSON timeline entries (seq = index + 1)
 *   P{events}:seq                     global event id counter
 *   P{events}:recent                  list of the newest published events (JSON), newest first, capped: SSE resume
 *   Pregistrations:<userId>           hash contact → JSON Registration (SIP registrar)
 *   Pratelimit:<what>:<who>           fixed-window counter (auth failures per address, starts per supervisor, SIP digest failures
 *                                     per address and per SIP username, sipauth:good:<address>:<username>); expires with its window
 *   Pevents:ticket:<sha256>           JSON {userId, tokenSha256} a single-use event-stream ticket was issued to (short TTL)
 *   Pevents  (pub/sub channel)        every call, supervision and user event
 *   Pinstance:<id>:commands / Pinstance:<id>:replies  (pub/sub channels) commands forwarded to the instance that owns a call or session, and their replies
 *
 * Channels are not keys: a PUBLISH on any cluster node reaches the subscribers of
 * every node, so they carry no tag.
 */
export class Keys {
  constructor(readonly prefix: string) {}

  private k(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  /** The hash tags (see above): one slot each on a Redis Cluster. */
  private static readonly CALLS = '{calls}';
  private static readonly DIR = '{dir}';
  private static readonly EVENTS = '{events}';

  call = (id: string): string => this.k(Keys.CALLS, 'call', id);
  liveCalls = (): string => this.k(Keys.CALLS, 'live');
  liveCallIds = (): string => this.k(Keys.CALLS, 'ids');
  callVersions = (): string => this.k(Keys.CALLS, 'version');
  callIdsByNumber = (e164: string): string => this.k(Keys.CALLS, 'ids', 'number', e164);
  callIdsByAgent = (userId: string): string => this.k(Keys.CALLS, 'ids', 'agent', userId);

  session = (id: string): string => this.k(Keys.CALLS, 'session', id);
  sessionsByCall = (callId: string): string => this.k(Keys.CALLS, 'sessions', 'call', callId);
  supervisedCalls = (): string => this.k(Keys.CALLS, 'supervised');
  /** App instances' heartbeats, and a lost one's reaper claim and tombstone (instances.ts): with the calls they own. */
  instances = (): string => this.k(Keys.CALLS, 'instances');
  instanceReaper = (instanceId: string): string => this.k(Keys.CALLS, 'instance', instanceId, 'reaper');
  instanceLost = (instanceId: string): string => this.k(Keys.CALLS, 'instance', instanceId, 'lost');
  instanceDialogs = (instanceId: string): string => this.k(Keys.CALLS, 'instance', instanceId, 'dialogs');
  instanceDrachtio = (instanceId: string): string => this.k(Keys.CALLS, 'instance', instanceId, 'drachtio');

  coachLock = (callId: string, participantId: string): string => this.k(Keys.DIR, 'lock', 'coach', callId, participantId);
  supervisorLock = (userId: string): string => this.k(Keys.DIR, 'lock', 'supervisor', userId);
  presence = (userId: string): string => this.k(Keys.DIR, 'presence', userId);

  timeline = (callId: string): string => this.k(Keys.EVENTS, 'timeline', callId);

  user = (id: string): string => this.k(Keys.DIR, 'user', id);
  users = (): string => this.k(Keys.DIR, 'users');
  admins = (): string => this.k(Keys.DIR, 'users', 'admin');
  number = (e164: string): string => this.k(Keys.DIR, 'number', e164);
  numbers = (): string => this.k(Keys.DIR, 'numbers');
  token = (sha256: string): string => this.k(Keys.DIR, 'token', sha256);
  sipCredential = (username: string): string => this.k(Keys.DIR, 'sipcred', username);
  bootstrapped = (): string => this.k(Keys.DIR, 'bootstrapped');
  registrations = (userId: string): string => this.k('registrations', userId);

  eventSeq = (): string => this.k(Keys.EVENTS, 'seq');
  rateLimit = (what: string): string => this.k('ratelimit', what);
  recentEvents = (): string => this.k(Keys.EVENTS, 'recent');
  eventTicket = (sha256: string): string => this.k('events', 'ticket', sha256);
  eventChannel = (): string => this.k('events');
  /** Pub/sub channels of one app instance: commands for what it owns, and replies to the commands it sent. */
  instanceCommands = (instanceId: string): string => this.k('instance', instanceId, 'commands');
  instanceReplies = (instanceId: string): string => this.k('instance', instanceId, 'replies');
}

/**
 * The part of a key Redis Cluster hashes: what is inside its first `{…}` when that
 * is not empty, else the whole key (the rule of the Cluster specification).
 */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return key.slice(open + 1, close);
  }
  return key;
}
