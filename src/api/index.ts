export { buildApiServer } from './server';
export type { ApiServer, ApiServerOptions } from './server';
export type { HealthProbe, HealthProbes, ProbeResult } from './deps';
export { ROUTES } from './routes';
export { STATUS_OF_CODE } from './errors';
