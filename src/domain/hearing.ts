import { Call, findParticipant } from './call';
import { SupervisionMode } from './directory';
import type { Session } from './session';
import { TalkGroup, customerIsRinging, customerIsWaiting, groupOf, talkGroups } from './talk-groups';

/**
 * The hearing matrix: for every conference member, whose voice reaches their ear
 * (SPEC §3). Members are the call's connected participants and the supervisors whose
 * sessions are active (joined); keys are participant ids and session ids.
 */

export type Sound = 'hold_music' | 'ringback' | 'notify_tone';

/** A sound played to one member only. Loops run until removed; a one-shot plays once when it appears. */
export interface Play {
  member: string;
  sound: Sound;
  loop: boolean;
}

export interface HearingMatrix {
  /** Sorted member keys. */
  members: string[];
  /** listener → sorted speakers the listener hears. Nobody hears themselves. */
  hears: Record<string, string[]>;
  plays: Play[];
  /**
   * Pairs (listener does not hear speaker) that must be kept apart by a relation of
   * their own, whatever member flags also say: every customer from every supervisor
   * who is not barging with them. A flag acts a frame late (a frame the member had
   * already buffered is still mixed), so privacy must not rest on a flag while the
   * relation it replaces is lifted. Sorted by listener, then speaker.
   */
  guards: Guard[];
}

export interface Guard {
  listener: string;
  speaker: string;
}

/** A supervision session as the media plan sees it: only active (joined) sessions are members. */
export interface JoinedSupervisor {
  sessionId: string;
  mode: SupervisionMode;
  /** Participant id of the monitored/coached/barged participant. */
  target: string;
  /** Play the notify tone to the coached agent (SPEC §5 rule 7). */
  notify: boolean;
}

/**
 * The media key that carries a participant's voice: its own leg, except the
 * transferring agent's while it consults on a second leg of its phone (its first leg
 * is held and is left out of the plan, which isolates it).
 */
export function voiceKey(call: Call, participantId: string): string {
  const t = call.transfer;
  return t?.line && t.by === participantId ? t.line : participantId;
}

export function hearingMatrix(call: Call, supervisors: readonly JoinedSupervisor[]): HearingMatrix {
  const t = call.transfer;
  if (!t?.line) return hearingByParticipant(call, supervisors);
  const line = t.line;
  const rename = (k: string): string => (k === t.by ? line : k);
  const m = hearingByParticipant(call, supervisors);
  return {
    members: m.members.map(rename).sort(),
    hears: Object.fromEntries(Object.entries(m.hears).map(([l, ss]) => [rename(l), ss.map(rename).sort()])),
    plays: m.plays.map((p) => ({ ...p, member: rename(p.member) })),
    guards: m.guards.map((g) => ({ listener: rename(g.listener), speaker: rename(g.speaker) })),
  };
}

function hearingByParticipant(call: Call, supervisors: readonly JoinedSupervisor[]): HearingMatrix {
  const groups = talkGroups(call);
  const participantKeys = groups.flatMap((g) => g.members);
  // A session whose target is not connected has nothing to join; the session layer ends it.
  const joined = supervisors.filter((s) => groupOf(groups, s.target) !== undefined);
  const members = [...participantKeys, ...joined.map((s) => s.sessionId)].sort();
  const hears = new Map<string, Set<string>>(members.map((m) => [m, new Set<string>()]));
  // An agent whose own phone holds hears nobody, a coach or barger included: the phone
  // was told (recvonly/inactive) that nothing is sent, FreeSWITCH stops sending, and
  // desk phones stop playing. What the agent says still reaches their supervisor.
  // The transferring agent consulting on its phone's second leg listens there, not on the held one.
  const consulting = call.transfer?.line ? call.transfer.by : undefined;
  const phoneHolds = new Set(call.participants.filter((p) => p.kind === 'internal' && p.held && p.id !== consulting).map((p) => p.id));
  const hear = (listener: string, speaker: string): void => {
    if (listener !== speaker && !phoneHolds.has(listener)) hears.get(listener)?.add(speaker);
  };

  // A barging supervisor joins the target's talk group openly, so it counts as a
  // member of that group for everyone listening to the group.
  const bargersOf = (group: TalkGroup): string[] =>
    joined.filter((s) => s.mode === 'barge' && group.members.includes(s.target)).map((s) => s.sessionId);

  for (const group of groups) {
    const talkers = [...group.members, ...bargersOf(group)];
    for (const l of talkers) for (const s of talkers) hear(l, s);
  }

  for (const s of joined) {
    const group = groupOf(groups, s.target)!;
    // Every mode hears the target's talk group, barging supervisors included.
    for (const speaker of [...group.members, ...bargersOf(group)]) hear(s.sessionId, speaker);
    // Coach: heard by the target agent only. The customer must never hear a coach.
    if (s.mode === 'coach') hear(s.target, s.sessionId);
    // Monitor: heard by nobody. Barge: handled with the group above.
  }

  const plays: Play[] = [];
  for (const group of groups) {
    const waiting = customerIsWaiting(call, group);
    const ringing = customerIsRinging(call, group);
    for (const m of group.members) {
      if (findParticipant(call, m)?.kind !== 'external') continue;
      if (waiting) plays.push({ member: m, sound: 'hold_music', loop: true });
      if (ringing) plays.push({ member: m, sound: 'ringback', loop: true });
    }
  }
  for (const s of joined) {
    if (s.mode === 'coach' && s.notify) plays.push({ member: s.target, sound: 'notify_tone', loop: false });
  }
  plays.sort((a, b) => (a.member + a.sound).localeCompare(b.member + b.sound));

  // Guarded: every customer, and with several agents on the call every agent other
  // than the supervisor's target — a coach is for one agent, never for a colleague.
  const guards: Guard[] = [];
  const agents = participantKeys.filter((m) => findParticipant(call, m)?.kind === 'internal');
  for (const listener of participantKeys) {
    const external = findParticipant(call, listener)?.kind === 'external';
    for (const s of joined) {
      const colleague = !external && agents.length > 1 && listener !== s.target;
      if ((external || colleague) && !hears.get(listener)!.has(s.sessionId)) guards.push({ listener, speaker: s.sessionId });
    }
  }
  guards.sort((a, b) => a.listener.localeCompare(b.listener) || a.speaker.localeCompare(b.speaker));

  return {
    members,
    hears: Object.fromEntries(members.map((m) => [m, [...hears.get(m)!].sort()])),
    plays,
    guards,
  };
}

export function isGuarded(matrix: HearingMatrix, listener: string, speaker: string): boolean {
  return matrix.guards.some((g) => g.listener === listener && g.speaker === speaker);
}

/** A session as the media plan sees it once joined. */
export function asJoined(s: Pick<Session, 'id' | 'mode' | 'target' | 'notify'>): JoinedSupervisor {
  return { sessionId: s.id, mode: s.mode, target: s.target, notify: s.notify };
}

/** Whether a supervisor's target hears them now: a coach or barger, unless the target's phone holds. */
export function heardByTarget(call: Call, s: JoinedSupervisor): boolean {
  return hearsVoice(hearingMatrix(call, [s]), voiceKey(call, s.target), s.sessionId);
}

export function hearsVoice(matrix: HearingMatrix, listener: string, speaker: string): boolean {
  return matrix.hears[listener]?.includes(speaker) ?? false;
}
