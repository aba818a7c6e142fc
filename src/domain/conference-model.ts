import { HearingMatrix, Play } from './hearing';
import { CompiledPlan, PlanStep, planHears, relationKey } from './plan';

/**
 * A model of what mod_conference does with the commands a plan diff sends, so the diff
 * can be checked without FreeSWITCH: apply steps to a conference state, then read back
 * who hears whom. It follows the semantics recorded in FREESWITCH-NOTES.md.
 */

export function applyStep(state: CompiledPlan, step: PlanStep): CompiledPlan {
  const members = { ...state.members };
  const relations = { ...state.relations };
  const plays = { ...state.plays };
  switch (step.op) {
    case 'mute':
    case 'unmute':
    case 'deaf':
    case 'undeaf': {
      const f = members[step.member];
      if (!f) throw new Error(`no member ${step.member}`);
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
  }
  return { members, relations, plays };
}

export function applySteps(state: CompiledPlan, steps: readonly PlanStep[]): CompiledPlan {
  return steps.reduce(applyStep, state);
}

/** Who hears whom in a conference state, read the way the mixer decides it. */
export function effectiveHearing(state: CompiledPlan): HearingMatrix {
  const members = Object.keys(state.members).sort();
  const hears: Record<string, string[]> = {};
  for (const l of members) hears[l] = members.filter((s) => planHears(state, l, s));
  const plays = Object.values(state.plays).sort((a, b) => (a.member + a.sound).localeCompare(b.member + b.sound));
  return { members, hears, plays };
}
