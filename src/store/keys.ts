/**
 * Every Redis key and channel coachline uses, behind the configurable prefix
 * (REDIS_KEY_PREFIX), so two deployments can share one Redis. Nothing else in the
 * code spells a key. User-supplied strings only ever land in the last segment of a
 * key and are never used as a pattern (no KEYS/SCAN on input).
 *
 *   call:{id}                 JSON CallRecord; lease TTL while live, TIMELINE_TTL after the end
 *   calls:live                zset callId → lease expiry (ms)
 *   calls:number:{e164}       zset callId → lease expiry, live calls on a number
 *   calls:agent:{userId}      zset callId → lease expiry, live calls an agent is on
 *   session:{id}              JSON SessionRecord; lease TTL while live, TIMELINE_TTL after
 *   sessions:call:{callId}    zset sessionId → lease expiry, live sessions of a call
 *   lock:coach:{callId}:{pid} sessionId of the one coach of that agent leg (PX lease)
 *   lock:supervisor:{userId}  sessionId of the one session of that supervisor (PX lease)
 *   presence:{userId}         hash status, restore, session
 *   timeline:{callId}         list of JSON timeline entries (seq = index + 1)
 *   user:{id} / users         JSON StoredUser / set of ids
 *   number:{e164} / numbers   JSON NumberEntry / set of e164s
 *   token:{sha256}            userId
 *   sipcred:{username}        userId owning that SIP username (credential in the user record)
 *   registrations:{userId}    hash contact → JSON Registration (SIP registrar)
 *   directory:bootstrapped    ISO time the directory file was imported
 *   events:seq                global event id counter
 *   events  (pub/sub channel) every call, supervision and user event
 */
export class Keys {
  constructor(readonly prefix: string) {}

  private k(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  call = (id: string): string => this.k('call', id);
  liveCalls = (): string => this.k('calls', 'live');
  callsByNumber = (e164: string): string => this.k('calls', 'number', e164);
  callsByAgent = (userId: string): string => this.k('calls', 'agent', userId);

  session = (id: string): string => this.k('session', id);
  sessionsByCall = (callId: string): string => this.k('sessions', 'call', callId);

  coachLock = (callId: string, participantId: string): string => this.k('lock', 'coach', callId, participantId);
  supervisorLock = (userId: string): string => this.k('lock', 'supervisor', userId);
  presence = (userId: string): string => this.k('presence', userId);

  timeline = (callId: string): string => this.k('timeline', callId);

  user = (id: string): string => this.k('user', id);
  users = (): string => this.k('users');
  number = (e164: string): string => this.k('number', e164);
  numbers = (): string => this.k('numbers');
  token = (sha256: string): string => this.k('token', sha256);
  sipCredential = (username: string): string => this.k('sipcred', username);
  bootstrapped = (): string => this.k('directory', 'bootstrapped');
  registrations = (userId: string): string => this.k('registrations', userId);

  eventSeq = (): string => this.k('events', 'seq');
  eventChannel = (): string => this.k('events');
}
