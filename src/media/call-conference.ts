import type { Logger } from 'pino';
import { CommandStep, CompiledPlan, EMPTY_PLAN, Sound, diffPlans, joinFlags, renderStep, withIsolated } from '../domain';
import { FsLeg } from './fs-leg';
import { FsMediaServer } from './fsmrf-types';

/**
 * One call's FreeSWITCH conference: which legs are members (and their member ids),
 * and the plan last applied. Plans are applied one at a time, in order.
 */

export class MediaCommandError extends Error {
  readonly code = 'media_command_failed';
  override readonly name = 'MediaCommandError';
}

export interface ConferenceSettings {
  profile: string;
  sounds: Record<Sound, string>;
}

/**
 * mod_conference applies a relation on the next mix but a mute or deaf only from the
 * member's next frame: a frame already buffered is still mixed (or, for deaf, still
 * sent). Measured on FreeSWITCH 1.10.12 (docs/freeswitch-notes.md, "When a control takes
 * effect"): with no wait, the per-frame e2e leaked 8 frames over its transitions; with
 * 20 ms, none. 60 ms (three frames) leaves margin for a mixer tick running late. Only a
 * lift that follows a flag waits, so this costs no listener any audio: the flag itself
 * is sent at once.
 */
export const FLAG_SETTLE_MS = 60;

/** `plan` without the members that have no leg here (they have not joined or have left). */
export function restrictPlan(plan: CompiledPlan, present: (key: string) => boolean): CompiledPlan {
  return {
    members: Object.fromEntries(Object.entries(plan.members).filter(([k]) => present(k))),
    relations: Object.fromEntries(Object.entries(plan.relations).filter(([, r]) => present(r.from) && present(r.to))),
    plays: Object.fromEntries(Object.entries(plan.plays).filter(([, p]) => present(p.member))),
  };
}

/** mod_conference answers failures in several ways, none with a status code. */
export function isFailureReply(reply: string): boolean {
  return /^-ERR|Non-Existant ID|not found|No active conferences|usage:/i.test(reply.trim());
}

export class CallConference {
  readonly name: string;
  readonly legs = new Map<string, FsLeg>();
  private applied: CompiledPlan = EMPTY_PLAN;
  private queue: Promise<void> = Promise.resolve();
  /** When the last mute or deaf sent will surely act in the mixer (ms since epoch). */
  private flagsSettleAt = 0;

  constructor(
    readonly callId: string,
    readonly server: FsMediaServer,
    private readonly settings: ConferenceSettings,
    private readonly log: Logger,
  ) {
    this.name = `coachline-${callId}`;
  }

  add(leg: FsLeg): void {
    this.legs.set(leg.key, leg);
    leg.onGone(() => this.forget(leg.key));
  }

  /** The leg left: it is no longer a member, and the next plan does not mention it. */
  forget(key: string): void {
    this.legs.delete(key);
    const { [key]: _gone, ...members } = this.applied.members;
    this.applied = restrictPlan({ ...this.applied, members }, (k) => k in members);
  }

  /** FreeSWITCH says a member left the conference (kicked, or its channel gone). */
  memberLeft(memberId: number): void {
    const leg = [...this.legs.values()].find((l) => l.memberId === memberId);
    if (!leg) return;
    this.log.info({ callId: this.callId, key: leg.key, memberId }, 'conference member left');
    this.forget(leg.key);
  }

  apply(plan: CompiledPlan): Promise<void> {
    const run = this.queue.then(() => this.applyNow(plan));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async applyNow(wanted: CompiledPlan): Promise<void> {
    const live = (k: string): boolean => this.legs.has(k) && !this.legs.get(k)!.isReleased;
    const named = restrictPlan(wanted, live);
    const missing = Object.keys(wanted.members).filter((k) => !(k in named.members));
    if (missing.length > 0) this.log.warn({ callId: this.callId, missing }, 'plan names members without a leg; applied without them');
    // A leg still in the conference that the plan no longer names (its session ended
    // but its hang-up has not gone through) is isolated rather than left as it was.
    const strays = Object.keys(this.applied.members).filter((k) => live(k) && !(k in named.members));
    const plan = withIsolated(named, strays, this.applied);

    // New members join with flags that keep them from hearing or being heard
    // beyond the plan until the diff below is in place.
    for (const key of Object.keys(plan.members).sort()) {
      if (key in this.applied.members) continue;
      const leg = this.legs.get(key)!;
      const f = joinFlags(plan, key);
      const { memberId } = await leg.endpoint.join(this.name, {
        profile: this.settings.profile,
        flags: { ...(f.mute ? { mute: true } : {}), ...(f.deaf ? { deaf: true } : {}) },
      });
      leg.memberId = memberId;
      this.applied = {
        ...this.applied,
        members: { ...this.applied.members, [key]: f },
      };
    }

    const ctx = { conference: this.name, memberId: (k: string) => this.legs.get(k)!.memberId!, sounds: this.settings.sounds };
    const sent: string[] = [];
    for (const step of diffPlans(this.applied, plan)) {
      if (step.op === 'settle') {
        const wait = this.flagsSettleAt - Date.now();
        if (wait > 0) await sleep(wait);
        continue;
      }
      // A leg released while this plan was being applied (a consult line hung up, a
      // BYE) is forgotten at once; its steps are moot, as for a member FreeSWITCH lists as gone.
      if (stepMembers(step).some((k) => this.legs.get(k)?.memberId === undefined)) continue;
      const args = renderStep(step, ctx);
      const reply = await this.server.api(`conference ${args}`);
      if (isFailureReply(reply)) {
        // A member that left the conference meanwhile (its BYE is still on the way to
        // us) makes FreeSWITCH refuse the step; gone, it hears and is heard by nobody,
        // so the step is moot. Any other failure stops the plan.
        const gone = await this.departed(stepMembers(step));
        if (gone.length === 0) throw new MediaCommandError(`conference ${args}: ${reply.trim()}`);
        this.log.info({ callId: this.callId, command: args, gone }, 'a member left the conference meanwhile; its step skipped');
        continue;
      }
      if (step.op === 'mute' || step.op === 'deaf') this.flagsSettleAt = Date.now() + FLAG_SETTLE_MS;
      sent.push(args);
    }
    this.log.debug({ callId: this.callId, commands: sent }, 'media plan applied');
    // Not the legs forgotten meanwhile: a later plan must never address them.
    this.applied = restrictPlan(plan, (k) => this.legs.has(k));
  }

  /** Which of these legs are no longer members of the conference, as FreeSWITCH lists it now. */
  private async departed(keys: readonly string[]): Promise<string[]> {
    const listing = await this.server.api(`conference ${this.name} list`);
    const present = new Set(listing.split('\n').map((line) => Number(line.split(';')[0])).filter(Number.isInteger));
    return keys.filter((k) => {
      const leg = this.legs.get(k);
      return !leg || leg.isReleased || leg.memberId === undefined || !present.has(leg.memberId);
    });
  }

  /** A member-level play: only that member hears it (FREESWITCH-NOTES, "Hold music"). */
  playTo(key: string, sound: string): Promise<void> {
    const run = this.queue.then(async () => {
      const leg = this.legs.get(key);
      if (!leg || leg.memberId === undefined || !(key in this.applied.members)) throw new MediaCommandError(`${key} is not a member of ${this.name}`);
      const args = `${this.name} play ${sound} ${leg.memberId}`;
      const reply = await this.server.api(`conference ${args}`);
      if (isFailureReply(reply)) throw new MediaCommandError(`conference ${args}: ${reply.trim()}`);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Hang up every leg; FreeSWITCH removes an empty conference by itself. */
  async end(): Promise<void> {
    await Promise.all([...this.legs.values()].map((l) => l.release()));
    this.legs.clear();
    this.applied = EMPTY_PLAN;
  }
}

function stepMembers(step: CommandStep): string[] {
  return step.op === 'relate' ? [step.from, step.to] : [step.member];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
