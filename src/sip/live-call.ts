import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { MediaLeg } from '../app/ports';
import { Call, CoachlineError } from '../domain';
import type { CallChange, CallObserver } from './ports';
import type { ConsultLine } from './consult';

/** A participant's SIP dialog and its FreeSWITCH endpoint. */
export interface SipLeg {
  participantId: string;
  dialog: Srf.Dialog;
  media: MediaLeg;
}

/**
 * One live call on this instance: the domain call (data) plus its SIP legs. Changes
 * are serialised: each runs after the previous one, applies a pure domain transition,
 * and is reported to the observer (state, timeline, media plan) before the next.
 */
export class LiveCall {
  readonly legs = new Map<string, SipLeg>();
  /** Agents' consult lines (their phone's second dialog while consulting), by media key. */
  readonly lines = new Map<string, ConsultLine>();
  /** Legs being dialed, by participant id: cancel them to stop ringing. */
  readonly pending = new Map<string, () => void>();
  private queue: Promise<unknown> = Promise.resolve();
  private seq = 0;

  constructor(
    private state: Call,
    private readonly observer: CallObserver,
    readonly log: Logger,
  ) {}

  get call(): Call {
    return this.state;
  }

  get id(): string {
    return this.state.id;
  }

  nextParticipantId(prefix: string): string {
    this.seq += 1;
    return `${prefix}${this.seq}`;
  }

  /**
   * Apply a domain transition and report it. A transition the domain refuses
   * (CoachlineError) is logged and leaves the call unchanged: a late BYE or a
   * duplicate event must never crash a call. A transition that returns undefined
   * found nothing to change and nothing is reported: it decides on the state every
   * change queued before it left, which a check made before queueing cannot see.
   */
  update(change: CallChange, transition: (c: Call) => Call | undefined): Promise<Call> {
    const run = this.queue.then(async () => {
      let next: Call | undefined;
      try {
        next = transition(this.state);
      } catch (err) {
        if (err instanceof CoachlineError) {
          this.log.info({ callId: this.id, change: change.type, code: err.code }, 'call change refused');
          return this.state;
        }
        throw err;
      }
      if (!next) return this.state;
      this.state = next;
      await this.observer.callChanged(next, change).catch((err: unknown) => {
        this.log.error({ callId: this.id, change: change.type, err }, 'call observer failed');
      });
      return next;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Run work started by a SIP event (BYE, re-INVITE, REFER, CANCEL) that nothing
   * awaits: a failure is logged with the call id, never left to crash the process.
   */
  background(what: string, work: Promise<unknown>): void {
    work.catch((err: unknown) => this.log.error({ callId: this.id, err, what }, 'call event handling failed'));
  }
}

/** Live calls of this instance, by call id. */
export class LiveCalls {
  private readonly calls = new Map<string, LiveCall>();

  add(c: LiveCall): void {
    this.calls.set(c.id, c);
  }

  get(id: string): LiveCall | undefined {
    return this.calls.get(id);
  }

  remove(id: string): void {
    this.calls.delete(id);
  }

  all(): LiveCall[] {
    return [...this.calls.values()];
  }
}
