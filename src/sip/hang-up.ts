import type Srf from 'drachtio-srf';

/**
 * Send BYE on a dialog. drachtio-srf's destroy() without a callback returns a promise
 * that rejects (ENODIALOG) when the far end already hung up — both sides hanging up
 * at once is ordinary, so the outcome is ignored here instead of left unhandled.
 */
export function hangUp(dialog: Srf.Dialog): void {
  dialog.destroy({ headers: {} }, () => undefined);
}
