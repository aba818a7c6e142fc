import { CoachlineError } from '../domain';

/** Redis could not be reached or did not answer in time: callers report 503. */
export class StoreUnavailableError extends CoachlineError {
  constructor(cause: unknown) {
    super('store_unavailable', `shared state (Redis) is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'StoreUnavailableError';
  }
}

/** The Redis client handed to the store is set up in a way the store cannot work with. */
export class StoreConfigError extends CoachlineError {
  constructor(message: string) {
    super('store_misconfigured', message);
    this.name = 'StoreConfigError';
  }
}

/** A stored value that is not what this version of coachline wrote. */
export class CorruptRecordError extends CoachlineError {
  constructor(key: string) {
    super('corrupt_record', `the value at ${key} is not valid JSON`);
    this.name = 'CorruptRecordError';
  }
}

const CONNECTION_FAILURE =
  /Connection is closed|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Stream isn't writeable|enableOfflineQueue|Command timed out|max retries|Reached the max retries/i;

/**
 * What a Redis Cluster or Sentinel answers while it is failing over or out of reach:
 * the cluster has lost a slot's master (CLUSTERDOWN), a slot is moving (TRYAGAIN), no
 * node answers, no sentinel answers.
 */
const TOPOLOGY_FAILURE = /^CLUSTERDOWN|^TRYAGAIN|Failed to refresh slots cache|None of startup nodes is available|Cluster is ended|All sentinels are unreachable/;

/** True for the errors ioredis raises when the server is gone (not for a script or reply error). */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'MaxRetriesPerRequestError' || err.name === 'ClusterAllFailedError') return true;
  return CONNECTION_FAILURE.test(err.message) || TOPOLOGY_FAILURE.test(err.message);
}

/** Runs a store operation, turning connection failures into StoreUnavailableError. */
export async function guard<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (isConnectionError(err)) throw new StoreUnavailableError(err);
    throw err;
  }
}

export function parseJson<T>(key: string, raw: string | null): T | undefined {
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    throw new CorruptRecordError(key);
  }
}
