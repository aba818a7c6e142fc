import type { MediaLeg } from '../app/ports';
import { FsEndpoint, noDelay } from './fsmrf-types';

export class MediaLegGoneError extends Error {
  readonly code = 'media_leg_gone';
  override readonly name = 'MediaLegGoneError';
}

/** A MediaLeg on a drachtio-fsmrf endpoint. */
export class FsLeg implements MediaLeg {
  private released = false;
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
      for (const h of this.goneHandlers) h(e?.reason ?? 'media_gone');
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
    await this.endpoint.modify(sdp);
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
    try {
      await this.endpoint.destroy();
    } catch {
      /* the channel is already gone */
    }
  }
}
