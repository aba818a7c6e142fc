/**
 * DTMF from SIP INFO bodies (application/dtmf-relay `Signal=1`, application/dtmf `1`),
 * the way desk phones send it when RFC 4733 events are not negotiated.
 */
export function dtmfFromInfo(contentType: string | undefined, body: string | undefined): string | undefined {
  if (!body) return undefined;
  const type = (contentType ?? '').toLowerCase();
  let digit: string | undefined;
  if (type.includes('dtmf-relay')) digit = /Signal\s*=\s*([0-9A-D*#])/i.exec(body)?.[1];
  else if (type.includes('application/dtmf')) digit = /^\s*([0-9A-D*#])\s*$/i.exec(body)?.[1];
  return digit?.toUpperCase();
}
