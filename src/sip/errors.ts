/** The final status drachtio-srf rejects createUAC with (its SipError carries `status`). */
export function sipStatusOf(err: unknown): number | undefined {
  const s = (err as { status?: unknown } | undefined)?.status;
  return typeof s === 'number' ? s : undefined;
}
