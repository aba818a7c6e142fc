import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Store } from '../store';
import type { SupervisionService } from '../app/supervision-service';
import type { DirectoryService } from '../app/directory-service';
import type { CallQueries } from '../app/call-queries';
import type { Metrics } from '../app/metrics';
import type { Clock } from '../app/deps';
import type { EventStreamHub } from './sse';
import type { EventTickets } from '../app/event-tickets';
import type { WebAssets } from './web-assets';
import type { AuthThrottle } from './auth-throttle';

export interface ProbeResult {
  ok: boolean;
  detail?: string;
}

/** A dependency check for /readyz; sync or async, it is given a timeout. */
export type HealthProbe = () => ProbeResult | Promise<ProbeResult>;

export interface HealthProbes {
  drachtio: HealthProbe;
  freeswitch: HealthProbe;
}

/** What route handlers use. */
export interface ApiDeps {
  service: SupervisionService;
  directory: DirectoryService;
  queries: CallQueries;
  store: Store;
  health: HealthProbes;
  metrics: Metrics;
  events: EventStreamHub;
  tickets: EventTickets;
  /** The built web page; undefined when it was not built. */
  web: WebAssets | undefined;
  authThrottle: AuthThrottle;
  config: Config;
  logger: Logger;
  clock: Clock;
}
