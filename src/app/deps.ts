import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Store } from '../store';
import { ADMIT_ALL, type AdmissionPort } from './admission';
import { Metrics } from './metrics';
import type { MediaPort, SignalingPort } from './ports';

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** What the application layer is built from; `src/index.ts` provides the real ones. */
export interface AppDeps {
  store: Store;
  signaling: SignalingPort;
  media: MediaPort;
  logger: Logger;
  config: Config;
  clock?: Clock;
  idGen?: () => string;
  metrics?: Metrics;
  /** Identifies this app instance as the owner of calls and sessions (default: a random id). */
  instanceId?: string;
  /** Whether new supervisions may start (default: always). */
  admission?: AdmissionPort;
}

export type ResolvedDeps = Required<AppDeps>;

export function resolveDeps(d: AppDeps): ResolvedDeps {
  return {
    ...d,
    clock: d.clock ?? systemClock,
    idGen: d.idGen ?? randomUUID,
    metrics: d.metrics ?? new Metrics(),
    instanceId: d.instanceId ?? randomUUID(),
    admission: d.admission ?? ADMIT_ALL,
  };
}

export const iso = (clock: Clock): string => new Date(clock.now()).toISOString();
