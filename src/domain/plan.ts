import { HearingMatrix, Play, Sound, hearsVoice, isGuarded } from './hearing';

/**
 * Compiles a hearing matrix to mod_conference controls and diffs two compiled plans
 * into the ordered commands that turn one into the other.
 *
 * mod_conference semantics (verified on real media, see FREESWITCH-NOTES.md):
 *   mute X              nobody hears X
 *   deaf X              X hears nobody
 *   relate X Y nohear   X stops hearing Y     } one relation per ordered pair, held by X;
 *   relate X Y nospeak  Y stops hearing X     } setting it again replaces it; clear removes it
 *   play FILE X         FILE mixed into what X alone hears
 *
 * Timing (measured, docs/freeswitch-notes.md "When a control takes effect"): a relation
 * acts on the next mix; a mute or deaf flag only from the member's next frame — a
 * frame it had already buffered is still mixed. So a block made by a flag is not in
 * place until the flag has settled, and nothing that relied on another block may be
 * lifted before then (the `settle` step).
 */

export interface MemberFlags {
  mute: boolean;
  deaf: boolean;
}

/** A relation held by `from` toward `to`. Always from < to (key order): one per pair. */
export interface Relation {
  from: string;
  to: string;
  /** `from` does not hear `to`. */
  nohear: boolean;
  /** `to` does not hear `from`. */
  nospeak: boolean;
}

export interface CompiledPlan {
  members: Record<string, MemberFlags>;
  /** keyed by `${from}>${to}` */
  relations: Record<string, Relation>;
  /** keyed by `${member}:${sound}` */
  plays: Record<string, Play>;
}

export const EMPTY_PLAN: CompiledPlan = { members: {}, relations: {}, plays: {} };

export const relationKey = (from: string, to: string): string => `${from}>${to}`;
const playKey = (p: Play): string => `${p.member}:${p.sound}`;

export function compilePlan(matrix: HearingMatrix): CompiledPlan {
  const { members } = matrix;
  const hears = (l: string, s: string): boolean => hearsVoice(matrix, l, s);
  const guarded = (l: string, s: string): boolean => isGuarded(matrix, l, s);
  const playsTo = new Set(matrix.plays.map((p) => p.member));
  // A flag is used where it stands for two or more pairs; between two members a single
  // relation covers both directions in one command.
  const flagWorthIt = members.length >= 3;

  const flags: Record<string, MemberFlags> = {};
  for (const m of members) {
    const others = members.filter((o) => o !== m);
    flags[m] = {
      mute: flagWorthIt && others.every((o) => !hears(o, m)),
      // A member with a sound of its own is never made deaf: deaf would silence the
      // sound too, so its isolation is built from relations instead.
      deaf: flagWorthIt && !playsTo.has(m) && others.every((o) => !hears(m, o)),
    };
  }

  const relations: Record<string, Relation> = {};
  for (const a of members) {
    for (const b of members) {
      if (a >= b) continue;
      // Pairs already silenced by a flag need no relation, unless the pair is guarded
      // (a customer and a supervisor): that relation stands whatever the flags do.
      const nohear = !hears(a, b) && (guarded(a, b) || (!flags[b]!.mute && !flags[a]!.deaf));
      const nospeak = !hears(b, a) && (guarded(b, a) || (!flags[a]!.mute && !flags[b]!.deaf));
      if (nohear || nospeak) relations[relationKey(a, b)] = { from: a, to: b, nohear, nospeak };
    }
  }

  const plays: Record<string, Play> = {};
  for (const p of matrix.plays) plays[playKey(p)] = { ...p };
  return { members: flags, relations, plays };
}

// ---- steps and their order ----

export type CommandStep =
  | { op: 'mute' | 'unmute' | 'deaf' | 'undeaf'; member: string }
  | { op: 'relate'; from: string; to: string; nohear: boolean; nospeak: boolean }
  | { op: 'play'; member: string; sound: Sound }
  | { op: 'stop'; member: string; sound: Sound };

/**
 * Wait until every mute and deaf sent so far acts in the mixer. Not a command: the
 * media adapter waits out the flag-settle gap since its last such flag (nothing if it
 * is long past), so it costs nothing when no flag was just set.
 */
export interface SettleStep {
  op: 'settle';
}

export type PlanStep = CommandStep | SettleStep;

export const SETTLE: SettleStep = { op: 'settle' };

/** Whether `listener` hears `speaker` in a conference with these controls, as the mixer decides. */
export function planHears(plan: CompiledPlan, listener: string, speaker: string): boolean {
  const rel = (holder: string, other: string): Relation | undefined => plan.relations[relationKey(holder, other)];
  return (
    listener !== speaker &&
    !plan.members[speaker]!.mute &&
    !plan.members[listener]!.deaf &&
    !rel(listener, speaker)?.nohear &&
    !rel(speaker, listener)?.nospeak
  );
}

/**
 * Flags a member joins with, so that no audio leaks before the diff is applied: muted
 * if anyone in `plan` must not hear it, deaf if it must not hear someone — whatever
 * control `plan` uses for that (a relation, or another member's flag that the diff
 * has yet to set). The diff lifts what the plan does not need, last.
 */
export function joinFlags(plan: CompiledPlan, member: string): MemberFlags {
  if (!plan.members[member]) throw new Error(`member ${member} is not in the plan`);
  const others = Object.keys(plan.members).filter((o) => o !== member);
  return {
    mute: others.some((o) => !planHears(plan, o, member)),
    deaf: others.some((o) => !planHears(plan, member, o)),
  };
}

/** `a` as FreeSWITCH has it once every member new in `b` has joined with its joinFlags. */
export function withJoins(a: CompiledPlan, b: CompiledPlan): CompiledPlan {
  const members = { ...a.members };
  for (const m of Object.keys(b.members)) if (!members[m]) members[m] = joinFlags(b, m);
  return { ...a, members };
}

/**
 * The ordered steps that take conference state `a` to `b`:
 *   1. restrictions (mute, deaf, relations gaining a block) — nobody gains an ear first;
 *   2. sounds stopped, then sounds started;
 *   3. settle, if anything is lifted: the flags of step 1 (or of an earlier diff)
 *      must act before a block they replace goes;
 *   4. permissions (relations losing a block, unmute, undeaf).
 * So while the steps run, nobody hears anyone they hear in neither `a` nor `b`, even
 * in the frame after a flag was set.
 * Members new in `b` are assumed to have joined with joinFlags(b); members gone from
 * `b` have left, and nothing is sent about them (relations toward a departed member
 * are inert in FreeSWITCH; those it held left with it).
 */
export function diffPlans(a: CompiledPlan, b: CompiledPlan): PlanStep[] {
  const from = withJoins(a, b);
  const present = (m: string): boolean => m in b.members;
  const restrict: PlanStep[] = [];
  const permit: PlanStep[] = [];
  const stops: PlanStep[] = [];
  const starts: PlanStep[] = [];

  for (const m of Object.keys(b.members).sort()) {
    const was = from.members[m]!;
    const will = b.members[m]!;
    if (!was.mute && will.mute) restrict.push({ op: 'mute', member: m });
    if (!was.deaf && will.deaf) restrict.push({ op: 'deaf', member: m });
    if (was.mute && !will.mute) permit.push({ op: 'unmute', member: m });
    if (was.deaf && !will.deaf) permit.push({ op: 'undeaf', member: m });
  }

  const relKeys = new Set([...Object.keys(from.relations), ...Object.keys(b.relations)]);
  for (const k of [...relKeys].sort()) {
    const was = from.relations[k];
    const will = b.relations[k];
    const pair = (was ?? will)!;
    if (!present(pair.from) || !present(pair.to)) continue;
    const wasNohear = was?.nohear ?? false;
    const wasNospeak = was?.nospeak ?? false;
    const willNohear = will?.nohear ?? false;
    const willNospeak = will?.nospeak ?? false;
    if (wasNohear === willNohear && wasNospeak === willNospeak) continue;
    const gains = (willNohear && !wasNohear) || (willNospeak && !wasNospeak);
    const loses = (wasNohear && !willNohear) || (wasNospeak && !willNospeak);
    // A relation that both gains and loses a block is set to the union first.
    if (gains) {
      restrict.push({ op: 'relate', from: pair.from, to: pair.to, nohear: wasNohear || willNohear, nospeak: wasNospeak || willNospeak });
    }
    if (loses) permit.push({ op: 'relate', from: pair.from, to: pair.to, nohear: willNohear, nospeak: willNospeak });
  }

  for (const k of Object.keys(from.plays).sort()) {
    const p = from.plays[k]!;
    if (!b.plays[k] && p.loop && present(p.member)) stops.push({ op: 'stop', member: p.member, sound: p.sound });
  }
  for (const k of Object.keys(b.plays).sort()) {
    const p = b.plays[k]!;
    if (!from.plays[k]) starts.push({ op: 'play', member: p.member, sound: p.sound });
  }

  return [...restrict, ...stops, ...starts, ...(permit.length > 0 ? [SETTLE] : []), ...permit];
}

// ---- rendering to mod_conference API arguments ----

export interface RenderContext {
  /** The conference name, first word of every `conference` API argument string. */
  conference: string;
  /** FreeSWITCH member id of a plan member. */
  memberId(member: string): number | string;
  /** File or stream URL for each sound (e.g. local_stream://moh, tone_stream://...). */
  sounds: Record<Sound, string>;
}

export function renderRelationFlags(nohear: boolean, nospeak: boolean): string {
  if (nohear && nospeak) return 'nospeak|nohear';
  if (nohear) return 'nohear';
  if (nospeak) return 'nospeak';
  return 'clear';
}

/** The exact argument string for FreeSWITCH's `conference` API command. */
export function renderStep(step: CommandStep, ctx: RenderContext): string {
  const c = ctx.conference;
  switch (step.op) {
    // `quiet`: a supervisor's phone must never announce "you are muted".
    case 'mute':
    case 'unmute':
      return `${c} ${step.op} ${ctx.memberId(step.member)} quiet`;
    case 'deaf':
    case 'undeaf':
      return `${c} ${step.op} ${ctx.memberId(step.member)}`;
    case 'relate':
      return `${c} relate ${ctx.memberId(step.from)} ${ctx.memberId(step.to)} ${renderRelationFlags(step.nohear, step.nospeak)}`;
    case 'play':
      return `${c} play ${ctx.sounds[step.sound]} ${ctx.memberId(step.member)}`;
    case 'stop':
      return `${c} stop all ${ctx.memberId(step.member)}`;
  }
}

/** The commands of `steps`, in order (a settle is a wait, not a command). */
export function renderSteps(steps: readonly PlanStep[], ctx: RenderContext): string[] {
  return steps.flatMap((s) => (s.op === 'settle' ? [] : [renderStep(s, ctx)]));
}

/**
 * A plan for the members FreeSWITCH still has: `plan`, plus each leg that is in the
 * conference but not in the plan (a supervisor whose session just ended, a leg whose
 * participant left) fully isolated — muted and deaf, so a leg the plan forgot can
 * neither hear nor be heard until it is gone.
 */
export function withIsolated(plan: CompiledPlan, strays: readonly string[], applied: CompiledPlan = EMPTY_PLAN): CompiledPlan {
  const extra = strays.filter((k) => !(k in plan.members));
  if (extra.length === 0) return plan;
  const members = { ...plan.members };
  for (const k of extra) members[k] = { mute: true, deaf: true };
  // The relations a stray already had stay as they are: lifting one would wait only on
  // the new flags' settle, and a mixer running late under load let one frame of a
  // leaving agent through (seen once in the transitions e2e, transfer completing). The
  // leg is on its way out; its relations go with it.
  const relations = { ...plan.relations };
  for (const [key, r] of Object.entries(applied.relations)) {
    const touches = extra.includes(r.from) || extra.includes(r.to);
    if (touches && r.from in members && r.to in members && !(key in relations)) relations[key] = r;
  }
  return { ...plan, members, relations };
}
