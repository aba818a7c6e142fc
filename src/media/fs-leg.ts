import type { MediaLeg } from '../app/ports';
import { FsEndpoint, noDelay } from './fsmrf-types';

export class MediaLegGoneError extends Error {
  readonly code = 'media_leg_gone';
  override readonly name = 'MediaLegGoneError';
}

const RELEASE_BACKSTOP_MS = 5000;

/** A MediaLeg on a drachtio-fsmrf endpoint. */
export class FsLeg implements MediaLeg {
  private released = false;
  private markReleased: () => void = () => undefined;
  private readonly releasedSignal = new Promise<void>((resolve) => (this.markReleased = resolve));
  private readonly goneHandlers: ((reason: string) => void)[] = [];
  memberId: number | undefined;

  constructor(
    readonly key: string,
    readonly endpoint: FsEndpoint,
  ) {
    noDelay(endpoint.conn);
    endpoint.on('destroy', (e?: { reason?: string }) => {
      if (this.released) return;
      this.released = true;
      this.markReleased();
      // fsmrf gives a hang-up's cause; no reason means the channel's event socket closed
      // without one: FreeSWITCH itself went away (killed, crashed, its host lost).
      for (const h of this.goneHandlers) h(e?.reason ?? 'media_server_lost');
    });
  }

  get localSdp(): string {
    return this.endpoint.local.sdp;
  }

  get isReleased(): boolean {
    return this.released;
  }

  async setRemoteSdp(sdp: string): Promise<string> {
    // Released meanwhile (the call ended while this leg's phone was ringing): there is no
    // channel to modify, and drachtio-fsmrf would throw or wait on a dialog being torn down.
    if (this.released) throw new MediaLegGoneError(`media leg ${this.key} was released`);
    // Released while FreeSWITCH takes the SDP (the call ended as the phone answered): the
    // modify is never answered then, and the answered phone would wait out the caller's
    // deadline connected to nothing — it is told at once instead (seen in session-races).
    const gone = this.releasedSignal.then(() => {
      throw new MediaLegGoneError(`media leg ${this.key} was released while taking the far end's SDP`);
    });
    gone.catch(() => undefined); // settled later, once the race is over: nobody waits on it then
    await Promise.race([this.endpoint.modify(sdp), gone]);
    return this.endpoint.local.sdp;
  }

  async play(file: string): Promise<void> {
    await this.endpoint.play(file);
  }

  async stopPlaying(): Promise<void> {
    await this.endpoint.api('uuid_break', `${this.endpoint.uuid} all`);
  }

  onDtmf(cb: (digit: string) => void): void {
    this.endpoint.on('dtmf', (e: { dtmf: string }) => cb(e.dtmf));
  }

  onGone(cb: (reason: string) => void): void {
    this.goneHandlers.push(cb);
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.markReleased();
    // fsmrf's destroy() resolves on the BYE FreeSWITCH sends back through drachtio. When
    // drachtio-server lost the dialog (restarted), that BYE reaches nobody and destroy()
    // never resolves, which held up the whole call's teardown (e2e faults case): the
    // channel is gone as soon as FreeSWITCH closes its event socket, and a backstop
    // bounds the wait whatever happens.
    const conn = this.endpoint.conn;
    let timer: NodeJS.Timeout | undefined;
    const closed = new Promise<void>((resolve) => {
      conn?.once('esl::end', () => resolve());
      timer = setTimeout(resolve, RELEASE_BACKSTOP_MS);
    });
    try {
      await Promise.race([this.endpoint.destroy(), closed]);
    } catch {
      /* the channel is already gone */
    } finally {
      clearTimeout(timer);
    }
  }
}
