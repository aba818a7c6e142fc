import type Srf from 'drachtio-srf';
import type { DialEvent, DialRequest, MediaLeg, SignalingPort } from '../app/ports';
import { autoAnswerHeaders } from './auto-answer';
import type { SipContext } from './context';
import { DialFailedError, dial } from './dial';
import { dtmfFromInfo } from './dtmf';
import { reachDevice } from './reach';
import { hangUp } from './hang-up';

/**
 * Dials supervisors (SignalingPort): a desk phone with auto-answer headers in its
 * dialect, or a remote number through the trunk without them, which rings until
 * picked up. With the voicemail guard the answered phone hears a prompt and must
 * press 1 before anything of the call reaches it (it is not joined until then).
 */
interface SupervisorLeg {
  cancel?: () => void;
  dialog?: Srf.Dialog;
  media?: MediaLeg;
  /** Set once we hang up: no more events for this session. */
  closed: boolean;
}

export class SupervisorDialer implements Pick<SignalingPort, 'dialSupervisor' | 'hangupSupervisor'> {
  private readonly legs = new Map<string, SupervisorLeg>();

  constructor(private readonly ctx: SipContext) {}

  async dialSupervisor(req: DialRequest, onEvent: (e: DialEvent) => void): Promise<void> {
    const { ctx } = this;
    const state: SupervisorLeg = { closed: false };
    this.legs.set(req.sessionId, state);
    const emit = (e: DialEvent): void => {
      if (!state.closed) onEvent(e);
    };
    const reach = await reachDevice(req.supervisor, req.device, ctx.registrations, ctx.settings);
    // Hung up while the device was looked up (the call ended): dial nobody.
    if (state.closed) return;
    if (reach.kind === 'unreachable') {
      this.legs.delete(req.sessionId);
      setImmediate(() => emit({ type: 'failed', reason: 'unreachable' }));
      return;
    }
    const ringTimeoutSec = req.device.kind === 'remote_number' ? req.device.ringTimeoutSec : ctx.settings.agentRingTimeoutSec;
    const headers =
      reach.kind === 'sip' && req.device.kind !== 'remote_number'
        ? autoAnswerHeaders(req.device.dialect, ctx.settings.domain)
        : {};
    let rang = false;
    // Resolve once the INVITE is on its way; the rest is reported through events.
    const sent = dial(ctx.srf, ctx.media, {
      held: ctx.held,
      callId: req.callId,
      key: req.sessionId,
      uri: reach.uri,
      headers: { ...headers, From: `"coachline" <sip:supervision@${ctx.settings.domain}>` },
      timeoutSec: ringTimeoutSec,
      // Hung up while the endpoint was being made: cancel at once, before any INVITE.
      registerCancel: (c) => {
        state.cancel = c;
        if (state.closed) c();
      },
      onProvisional: (status) => {
        if (!rang && (status === 180 || status === 183)) {
          rang = true;
          emit({ type: 'ringing' });
        }
      },
    });
    const failed = (err: unknown): void => {
      this.legs.delete(req.sessionId);
      if (err instanceof DialFailedError && err.outcome !== 'cancelled') {
        emit({ type: 'failed', reason: err.outcome, ...(err.sipStatus ? { sipStatus: err.sipStatus } : {}) });
      } else if (!(err instanceof DialFailedError)) {
        ctx.log.error({ sessionId: req.sessionId, err }, 'supervisor dial failed');
        emit({ type: 'failed', reason: 'unreachable' });
      }
    };
    sent
      .then((leg) => this.answered(req, state, leg.dialog, leg.media, emit), failed)
      .catch((err: unknown) => ctx.log.error({ sessionId: req.sessionId, err }, 'supervisor leg handling failed'));
  }

  private answered(req: DialRequest, state: SupervisorLeg, dialog: Srf.Dialog, media: MediaLeg, emit: (e: DialEvent) => void): void {
    if (state.closed) {
      hangUp(dialog);
      void media.release().catch(() => undefined);
      return;
    }
    state.dialog = dialog;
    state.media = media;
    let confirmed = !req.confirm;
    let confirmTimer: NodeJS.Timeout | undefined;

    const digit = (d: string): void => {
      if (!confirmed) {
        if (d !== '1') return;
        confirmed = true;
        if (confirmTimer) clearTimeout(confirmTimer);
        void media.stopPlaying().catch(() => undefined);
        emit({ type: 'confirmed' });
        return;
      }
      emit({ type: 'dtmf', digit: d });
    };
    media.onDtmf(digit);
    dialog.on('info', (infoReq: Srf.SrfRequest, res: Srf.SrfResponse) => {
      res.send(200);
      const d = dtmfFromInfo(infoReq.get('Content-Type'), infoReq.body);
      if (d) digit(d);
    });
    dialog.on('destroy', () => {
      if (confirmTimer) clearTimeout(confirmTimer);
      void media.release().catch(() => undefined);
      this.legs.delete(req.sessionId);
      emit({ type: 'hangup' });
    });
    media.onGone(() => {
      hangUp(dialog);
      this.legs.delete(req.sessionId);
      emit({ type: 'hangup' });
    });

    emit({ type: 'answered' });
    if (req.confirm) {
      confirmTimer = setTimeout(() => {
        if (confirmed) return;
        emit({ type: 'confirm_timeout' });
        this.hangupSupervisor(req.sessionId).catch((err: unknown) => this.ctx.log.warn({ err, sessionId: req.sessionId }, 'hang-up after an unconfirmed answer failed'));
      }, this.ctx.settings.confirmTimeoutSec * 1000);
      void media.play(this.ctx.settings.confirmPrompt).catch(() => undefined);
    }
  }

  /**
   * Takeover: the answered leg is handed over to the call (its BYE and re-INVITEs are
   * the call's from now on); this dialer forgets it without hanging it up.
   */
  detach(sessionId: string): { dialog: Srf.Dialog; media: MediaLeg } | undefined {
    const state = this.legs.get(sessionId);
    if (!state || state.closed || !state.dialog || !state.media) return undefined;
    state.closed = true;
    this.legs.delete(sessionId);
    return { dialog: state.dialog, media: state.media };
  }

  async hangupSupervisor(sessionId: string): Promise<void> {
    const state = this.legs.get(sessionId);
    if (!state) return;
    state.closed = true;
    this.legs.delete(sessionId);
    state.cancel?.();
    if (state.dialog) {
      hangUp(state.dialog);
    }
    await state.media?.release();
  }
}
