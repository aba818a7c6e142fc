import type { Logger } from 'pino';
import { CompiledPlan, EMPTY_PLAN, Sound, diffPlans, joinFlags, renderSteps } from '../domain';
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
    const plan = restrictPlan(wanted, (k) => this.legs.has(k) && !this.legs.get(k)!.isReleased);
    const missing = Object.keys(wanted.members).filter((k) => !(k in plan.members));
    if (missing.length > 0) this.log.warn({ callId: this.callId, missing }, 'plan names members without a leg; applied without them');

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

    const commands = renderSteps(diffPlans(this.applied, plan), {
      conference: this.name,
      memberId: (k) => this.legs.get(k)!.memberId!,
      sounds: this.settings.sounds,
    });
    for (const args of commands) {
      const reply = await this.server.api(`conference ${args}`);
      if (isFailureReply(reply)) {
        throw new MediaCommandError(`conference ${args}: ${reply.trim()}`);
      }
    }
    this.log.debug({ callId: this.callId, commands }, 'media plan applied');
    this.applied = plan;
  }

  /** Hang up every leg; FreeSWITCH removes an empty conference by itself. */
  async end(): Promise<void> {
    await Promise.all([...this.legs.values()].map((l) => l.release()));
    this.legs.clear();
    this.applied = EMPTY_PLAN;
  }
}
