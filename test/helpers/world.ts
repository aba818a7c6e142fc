import path from 'node:path';
import pino from 'pino';
import { Call, addRinging, newCall, participantAnswered } from '../../src/domain';
import type { Redis } from 'ioredis';
import { createStore, Store } from '../../src/store';
import { SupervisionService, DirectoryService, bootstrapDirectory, Metrics, type AdmissionPort } from '../../src/app';
import { buildApiServer, ApiServer, HealthProbes } from '../../src/api';
import { Config } from '../../src/config';
import type { WebAssets } from '../../src/api/web-assets';
import { RecordingMedia, RecordingSignaling } from './ports';
import { RedisServer } from './redis';
import { ConfigPatch, testConfig } from './config';

/**
 * One coachline instance for tests: real Redis (a shared test server), real store,
 * service and API; recording doubles for the SIP and media ports. The directory is
 * the fixture file test/fixtures/directory.yaml.
 */

export const FIXTURE = path.join(__dirname, '..', 'fixtures', 'directory.yaml');
export const SALES = '+34910000001';
export const LEGAL = '+34910000002';

/** Plaintext tokens of the fixture users. */
export const TOKENS = {
  ana: 'agent-ana-token-0123456789',
  sue: 'supervisor-sue-token-0123456789',
  rem: 'supervisor-rem-token-0123456789',
  root: 'admin-root-token-0123456789',
} as const;

export const auth = (who: keyof typeof TOKENS): { authorization: string } => ({ authorization: `Bearer ${TOKENS[who]}` });

export interface Instance {
  /**
   * The instance's client: a `Cluster` when the tests run on one (COACHLINE_TEST_REDIS=cluster),
   * typed as `Redis` for the tests' own commands, which both have.
   */
  redis: Redis;
  store: Store;
  service: SupervisionService;
  directory: DirectoryService;
  app: ApiServer;
  signaling: RecordingSignaling;
  media: RecordingMedia;
  health: { drachtio: boolean; freeswitch: boolean };
  close(): Promise<void>;
}

export interface World extends Instance {
  config: Config;
  /** Another app instance on the same Redis and prefix (its own service, ports and API). */
  instance(opts?: { refresh?: boolean }): Promise<Instance>;
}

const silent = pino({ level: 'silent' });

async function makeInstance(server: RedisServer, config: Config, n: number, refresh: boolean, web?: WebAssets, admit?: (metrics: Metrics) => AdmissionPort): Promise<Instance> {
  const redis = server.client() as Redis;
  const store = createStore(redis, config);
  const signaling = new RecordingSignaling();
  const media = new RecordingMedia();
  const metrics = new Metrics({ defaultMetrics: false });
  let seq = 0;
  const service = new SupervisionService({
    store, signaling, media, logger: silent, config, metrics,
    ...(admit ? { admission: admit(metrics) } : {}),
    instanceId: `instance-${n}`,
    idGen: () => `s${n}-${(++seq).toString().padStart(4, '0')}`,
  });
  if (refresh) await service.start();
  else await service.serveCommands();
  const directory = new DirectoryService({ store, config });
  const health = { drachtio: true, freeswitch: true };
  const probes: HealthProbes = {
    drachtio: () => ({ ok: health.drachtio, detail: health.drachtio ? 'connected' : 'not connected' }),
    freeswitch: async () => ({ ok: health.freeswitch, detail: health.freeswitch ? '1 media server' : 'no media server' }),
  };
  const app = await buildApiServer({ service, store, health: probes, logger: silent, config, directory, metrics, ...(web ? { web } : {}) });
  await app.ready();
  await app.eventsReady;
  return {
    redis, store, service, directory, app, signaling, media, health,
    async close() {
      await service.stop();
      await app.close();
      redis.disconnect();
    },
  };
}

export async function makeWorld(
  server: RedisServer,
  opts: ConfigPatch & { refresh?: boolean; extraSupervisors?: number; web?: WebAssets; admission?: (metrics: Metrics) => AdmissionPort } = {},
): Promise<World> {
  const config = testConfig(opts);
  const first = await makeInstance(server, config, 1, opts.refresh ?? true, opts.web, opts.admission);
  await bootstrapDirectory({ store: first.store, directory: first.directory, config, logger: silent, file: FIXTURE });
  if (opts.extraSupervisors) await addSupervisors(first.store, first.directory, opts.extraSupervisors);
  let n = 1;
  const others: Instance[] = [];
  return {
    ...first,
    config,
    async instance(o = {}) {
      const inst = await makeInstance(server, config, ++n, o.refresh ?? true);
      others.push(inst);
      return inst;
    },
    async close() {
      for (const o of others) await o.close();
      await first.close();
    },
  };
}

export const supervisorId = (i: number): string => `sup${i.toString().padStart(3, '0')}`;
export const supervisorToken = (i: number): string => `bulk-supervisor-token-${i.toString().padStart(3, '0')}`;

/** `count` coach-capable supervisors in the Sales distribution (sup000…). */
async function addSupervisors(store: Store, directory: DirectoryService, count: number): Promise<void> {
  const users = Array.from({ length: count }, (_, i) => ({
    user: directory.toStored(supervisorId(i), {
      name: `Supervisor ${i}`,
      role: 'supervisor',
      permissions: ['monitor', 'coach', 'barge'],
      device: { kind: 'sip_uri', uri: `sip:${supervisorId(i)}@desk.example` },
      tokens: [supervisorToken(i)],
    }),
    status: 'available' as const,
  }));
  const sales = (await store.directory.getNumber(SALES))!;
  await store.directory.importDirectory(
    { users, numbers: [{ ...sales, distribution: [...sales.distribution, ...users.map((u) => u.user.id)] }] },
    new Date().toISOString(),
  );
}

/** An answered inbound call on `number`: customer `C`, agent leg `A` (user ana). */
export function activeCall(id = 'call-1', number = SALES, agentUser = 'ana'): Call {
  let c = newCall({ id, direction: 'inbound', number, emergency: false, customer: { id: 'C', address: '+34600000001' } });
  c = addRinging(c, { id: 'A', kind: 'internal', userId: agentUser, address: `sip:${agentUser}@pbx`, origin: 'call' });
  return participantAnswered(c, 'A');
}
