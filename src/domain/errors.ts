/**
 * Every refusal in coachline carries a stable, machine-readable code. Adapters map
 * codes to HTTP statuses or SIP responses; the domain never knows about either.
 */
export class CoachlineError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'CoachlineError';
    this.code = code;
    this.details = details;
  }
}

/** A transition that the call or session state machine does not allow. */
export class IllegalTransitionError extends CoachlineError {
  constructor(what: string, from: string, event: string) {
    super('illegal_transition', `${what} cannot handle "${event}" while ${from}`, { from, event });
    this.name = 'IllegalTransitionError';
  }
}
