import { HearingMatrix, Play } from './hearing';
import { CompiledPlan, MemberFlags, PlanStep, planHears, relationKey } from './plan';

/**
 * A model of what mod_conference does with the commands a plan diff sends, so the diff
 * can be checked without FreeSWITCH: apply steps to a conference state, then read back
 * who hears whom. It follows the semantics recorded in FREESWITCH-NOTES.md, timing
 * included: a relation acts on the next mix, a mute or deaf flag only once it has
 * settled (a frame the member had already buffered is still mixed, and a frame already
 * mixed for a deafened member is still sent). Until a `settle` step, the mixer may act
 * on either the old or the new value of a flag.
 */
export interface MixerState {
  /** What has been commanded. */
  controls: CompiledPlan;
  /** Per member, its flags as they were at the last settle, for flags changed since. */
  unsettled: Record<string, MemberFlags>;
}

export function settled(controls: CompiledPlan): MixerState {
  return { controls, unsettled: {} };
}

export function applyStep(state: MixerState, step: PlanStep): MixerState {
  const members = { ...state.controls.members };
  const relations = { ...state.controls.relations };
  const plays = { ...state.controls.plays };
  let unsettled = state.unsettled;
  switch (step.op) {
    case 'mute':
    case 'unmute':
    case 'deaf':
    case 'undeaf': {
      const f = members[step.member];
      if (!f) throw new Error(`no member ${step.member}`);
      if (!(step.member in unsettled)) unsettled = { ...unsettled, [step.member]: f };
      members[step.member] =
        step.op === 'mute' || step.op === 'unmute'
          ? { ...f, mute: step.op === 'mute' }
          : { ...f, deaf: step.op === 'deaf' };
      break;
    }
    case 'relate': {
      const k = relationKey(step.from, step.to);
      // Setting a relation replaces the previous one; "clear" removes it.
      if (!step.nohear && !step.nospeak) delete relations[k];
      else relations[k] = { from: step.from, to: step.to, nohear: step.nohear, nospeak: step.nospeak };
      break;
    }
    case 'play': {
      const p: Play = { member: step.member, sound: step.sound, loop: step.sound !== 'notify_tone' };
      plays[`${p.member}:${p.sound}`] = p;
      break;
    }
    case 'stop':
      delete plays[`${step.member}:${step.sound}`];
      break;
    case 'settle':
      unsettled = {};
      break;
  }
  return { controls: { members, relations, plays }, unsettled };
}

export function applySteps(state: MixerState, steps: readonly PlanStep[]): MixerState {
  return steps.reduce(applyStep, state);
}

/**
 * The controls the mixer surely acts on in this frame: a flag blocks only where both
 * its settled and its commanded value block.
 */
export function inEffect(state: MixerState): CompiledPlan {
  const members: Record<string, MemberFlags> = {};
  for (const [m, f] of Object.entries(state.controls.members)) {
    const old = state.unsettled[m] ?? f;
    members[m] = { mute: f.mute && old.mute, deaf: f.deaf && old.deaf };
  }
  return { ...state.controls, members };
}

/** Who may hear whom in a conference state, read the way the mixer decides it (worst case while flags settle). */
export function effectiveHearing(state: MixerState): HearingMatrix {
  const plan = inEffect(state);
  const members = Object.keys(plan.members).sort();
  const hears: Record<string, string[]> = {};
  for (const l of members) hears[l] = members.filter((s) => planHears(plan, l, s));
  const plays = Object.values(plan.plays).sort((a, b) => (a.member + a.sound).localeCompare(b.member + b.sound));
  return { members, hears, plays, guards: [] };
}

/**
 * The state once the members new in `next` have joined with `flags` (join flags act
 * from the member's first frame: it has nothing buffered) and the members gone from
 * `next` have left, taking their flags and relations with them.
 */
export function withMembers(state: MixerState, next: CompiledPlan, flags: (member: string) => MemberFlags): MixerState {
  const keep = (m: string): boolean => m in next.members;
  const members: Record<string, MemberFlags> = {};
  for (const m of Object.keys(next.members)) members[m] = state.controls.members[m] ?? flags(m);
  const c = state.controls;
  return {
    controls: {
      members,
      relations: Object.fromEntries(Object.entries(c.relations).filter(([, r]) => keep(r.from) && keep(r.to))),
      plays: Object.fromEntries(Object.entries(c.plays).filter(([, p]) => keep(p.member))),
    },
    unsettled: Object.fromEntries(Object.entries(state.unsettled).filter(([m]) => keep(m))),
  };
}
