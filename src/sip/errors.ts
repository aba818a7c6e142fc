/** A SIP-side failure with a stable code and the SIP status it maps to. */
export class SipFlowError extends Error {
  constructor(
    readonly code: string,
    readonly sipStatus: number,
    message: string,
  ) {
    super(message);
    this.name = 'SipFlowError';
  }
}

/** What drachtio-srf rejects createUAC with for a final non-2xx response. */
export interface SrfSipError extends Error {
  status: number;
  reason?: string;
}

export function sipStatusOf(err: unknown): number | undefined {
  const s = (err as { status?: unknown } | undefined)?.status;
  return typeof s === 'number' ? s : undefined;
}
