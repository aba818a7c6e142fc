import type Srf from 'drachtio-srf';

/**
 * RFC 3515 progress of a REFER: NOTIFYs in the REFER's dialog carrying a sipfrag of
 * the transfer target's status line. The last one terminates the implicit subscription.
 */
export function sipfrag(status: number, reason: string): string {
  return `SIP/2.0 ${status} ${reason}\r\n`;
}

export async function notifyReferProgress(dialog: Srf.Dialog, status: number, reason: string): Promise<void> {
  const final = status >= 200;
  try {
    await dialog.request({
      method: 'NOTIFY',
      headers: {
        Event: 'refer',
        'Subscription-State': final ? 'terminated;reason=noresource' : 'active;expires=60',
        'Content-Type': 'message/sipfrag;version=2.0',
      },
      body: sipfrag(status, reason),
    } as unknown as Srf.SrfRequest);
  } catch {
    /* the transferring phone may already have hung up; progress is best effort */
  }
}
