import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type Srf from 'drachtio-srf';

/**
 * The parts of drachtio-fsmrf 4.1.2 coachline uses, typed from its source
 * (node_modules/drachtio-fsmrf/lib). The package ships no type declarations.
 */

export interface EslEvent {
  getHeader(name: string): string | undefined;
  getBody(): string;
}

export interface EslConnection extends EventEmitter {
  socket: Socket | null;
  connected(): boolean;
  api(command: string, cb: (res: EslEvent) => void): void;
  subscribe(events: string | string[], cb?: () => void): void;
}

export interface FsEndpoint extends EventEmitter {
  uuid: string;
  conn: EslConnection | null;
  dialog: Srf.Dialog;
  local: { sdp: string; mediaIp?: string; mediaPort?: string };
  remote: { sdp: string };
  conf: { memberId?: number; name?: string };
  join(conf: string, opts: { profile?: string; flags?: Record<string, boolean> }): Promise<{ memberId: number; confUuid: string }>;
  modify(sdp: string): Promise<unknown>;
  play(file: string): Promise<unknown>;
  execute(app: string, arg?: string): Promise<unknown>;
  api(command: string, args: string): Promise<unknown>;
  destroy(): Promise<void>;
  on(event: 'dtmf', cb: (e: { dtmf: string; source?: string }) => void): this;
  on(event: 'destroy', cb: (e?: { reason?: string }) => void): this;
  on(event: string, cb: (...args: any[]) => void): this;
}

export interface FsMediaServer extends EventEmitter {
  address: string;
  conn: EslConnection;
  currentSessions?: number;
  maxSessions?: number;
  connected(): boolean;
  api(command: string): Promise<string>;
  createEndpoint(opts?: { remoteSdp?: string; codecs?: string[]; headers?: Record<string, string> }): Promise<FsEndpoint>;
  connectCaller(
    req: Srf.SrfRequest,
    res: Srf.SrfResponse,
    opts?: { codecs?: string[]; headers?: Record<string, string> },
  ): Promise<{ endpoint: FsEndpoint; dialog: Srf.Dialog }>;
  disconnect(): void;
}

export interface MrfConnectOptions {
  address: string;
  port: number;
  secret: string;
  listenAddress: string;
  listenPort: number;
  profile?: string;
}

export interface MrfInstance {
  connect(opts: MrfConnectOptions): Promise<FsMediaServer>;
}

export type MrfConstructor = new (srf: Srf, opts?: Record<string, unknown>) => MrfInstance;

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const Mrf: MrfConstructor = require('drachtio-fsmrf');

/** Nagle off: each conference command took 44 ms with it, 0.3 ms without (FREESWITCH-NOTES). */
export function noDelay(conn: EslConnection | null | undefined): void {
  conn?.socket?.setNoDelay(true);
}
