/**
 * The composition root: reads the configuration, connects Redis, FreeSWITCH and
 * drachtio, and wires the adapters to the supervision service. Nothing else reaches
 * across folders.
 *
 *   call changes:  sip ──callChanged──▶ app ──applyPlan──▶ media
 *   supervision:   api ──start/switch/stop──▶ app ──dial/hangup──▶ sip
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Srf from 'drachtio-srf';
import pino, { type Logger } from 'pino';
import { buildApiServer, type ApiServer } from './api';
import type { WebAssets } from './api/web-assets';
import { AdmissionControl, DirectoryService, Metrics, SupervisionService, bootstrapDirectory } from './app';
import type { DialEvent, DialRequest, SignalingPort } from './app/ports';
import { loadConfig, type Config } from './config';
import { CallMedia } from './media/call-media';
import { MediaLoadMonitor } from './media/media-load';
import { MediaServerPool } from './media/media-servers';
import { SipAuthThrottle } from './sip/auth-throttle';
import { SipApp } from './sip/sip-app';
import { createRedis, createStore, migrateUntaggedKeys } from './store';
import { runShutdown } from './shutdown';

export interface Coachline {
  httpUrl: string;
  config: Config;
  /** Run a FreeSWITCH API command on the first connected media server (diagnostics, tests). */
  freeswitchApi(cmd: string): Promise<string>;
  /** Tears everything down in order, within SHUTDOWN_TIMEOUT_SEC; `ok` is false if a step failed or hung. */
  stop(): Promise<{ ok: boolean }>;
}

/** Secrets never reach the logs (request URLs lose their query values: src/api/log-redaction.ts). */
const REDACT = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["proxy-authorization"]', '*.authorization',
  '*.password', '*.secret', '*.token', '*.tokens', '*.access_token', '*.ticket', '*.ha1',
  'config.drachtio.secret', 'config.freeswitch.password',
];

export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  return pino({ level: config.logLevel, redact: { paths: REDACT, censor: '[redacted]' } }, destination);
}

/** What a caller may supply instead of the defaults (tests serve a page bundled in-process). */
export interface StartOptions {
  web?: WebAssets;
}

export async function startCoachline(config: Config, logger: Logger = createLogger(config), opts: StartOptions = {}): Promise<Coachline> {
  const redis = createRedis(config);
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis error'));
  const store = createStore(redis, config);
  const metrics = new Metrics();
  // Named here: the SIP side records the dialogs it holds under it (src/sip/held-dialogs.ts).
  const instanceId = randomUUID();

  // One drachtio connection: the SIP app receives calls on it and fsmrf creates its
  // FreeSWITCH endpoints through it. The service observes the calls the SIP app
  // carries and dials through it, so it is bound late.
  let service: SupervisionService | undefined;
  const srf = new Srf();
  const pool = new MediaServerPool(
    srf,
    {
      hosts: config.freeswitch.hosts,
      port: config.freeswitch.port,
      password: config.freeswitch.password,
      listenAddress: config.freeswitch.listenAddress,
      listenPort: config.freeswitch.listenPort,
      heartbeatTimeoutMs: config.freeswitch.heartbeatTimeoutMs,
    },
    logger.child({ component: 'media' }),
  );
  const media = new CallMedia(
    pool,
    {
      profile: config.media.conferenceProfile,
      sounds: { hold_music: config.media.holdMusic, ringback: config.media.ringback, notify_tone: config.media.notifyTone },
    },
    logger.child({ component: 'media' }),
    // Created only once calls flow, after `sip` exists.
    (dialog) => sip.trackDialog(dialog),
  );
  // Admission control: this instance's calls with media, FreeSWITCH's own status, the event loop.
  // Its answers are also each server's heartbeat: a hung FreeSWITCH stops being picked.
  const mediaLoad = new MediaLoadMonitor(() => pool.servers(), logger.child({ component: 'media' }), 1000, Date.now, pool.heartbeats);
  pool.loadFrom((server) => mediaLoad.sessionsOf(server));
  const admission = new AdmissionControl(config.admission, { calls: () => media.callCount(), media: () => mediaLoad.readings() }, metrics);
  const sip = new SipApp({
    srf,
    drachtio: config.drachtio,
    settings: {
      domain: config.sip.domain,
      trunkUri: config.sip.trunkUri,
      fallbackUri: config.sip.fallbackUri,
      agentRingTimeoutSec: config.sip.agentRingTimeoutSec,
      registerMaxExpiresSec: config.sip.registerMaxExpiresSec,
      emergencyNumbers: config.emergencyNumbers,
      confirmTimeoutSec: config.supervision.confirmTimeoutSec,
      confirmPrompt: config.media.confirmPrompt,
    },
    trunkAcl: config.sip.trunkAcl,
    agentAcl: config.sip.agentAcl,
    authThrottle: new SipAuthThrottle(store.rateLimits, metrics, {
      userFailures: config.limits.sipAuthUserFailures,
      sourceFailures: config.limits.sipAuthSourceFailures,
      windowMs: config.limits.sipAuthFailureWindowMs,
    }),
    media,
    directory: store.sipDirectory,
    registrations: store.registrations,
    heldDialogs: {
      announce: (server) => store.instances.announceDrachtio(instanceId, server),
      hold: (id) => store.instances.holdDialog(instanceId, id),
      release: (ids) => store.instances.releaseDialogs(instanceId, ids),
      heldBy: (other) => store.instances.heldDialogs(other),
    },
    observer: {
      callChanged: async (call, change) => service?.callChanged(call, change),
    },
    admission,
    log: logger.child({ component: 'sip' }),
  });

  const signaling: SignalingPort = {
    dialSupervisor: (req: DialRequest, onEvent: (e: DialEvent) => void) => sip.dialer.dialSupervisor(req, onEvent),
    hangupSupervisor: (sessionId: string) => sip.dialer.hangupSupervisor(sessionId),
    addParticipant: (callId, target, actor) => sip.control.addParticipant(callId, target, actor),
    removeParticipant: (callId, participantId, actor) => sip.control.removeParticipant(callId, participantId, actor),
    takeOver: (req) => sip.control.takeOver(req),
    hangUpLostDialogs: (instanceId) => sip.hangUpLostDialogs(instanceId),
  };
  service = new SupervisionService({ store, signaling, media, logger: logger.child({ component: 'app' }), config, metrics, admission, instanceId });
  const directory = new DirectoryService({ store, config });

  const api: ApiServer = await buildApiServer({
    ...(opts.web ? { web: opts.web } : {}),
    service,
    store,
    directory,
    metrics,
    logger: logger.child({ component: 'api' }),
    config,
    health: { drachtio: () => sip.health(), freeswitch: () => media.health() },
  });
  await api.listen({ host: config.http.host, port: config.http.port });
  const addr = api.server.address() as AddressInfo;
  const httpUrl = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  logger.info({ httpUrl }, 'coachline listening');

  // /healthz and /readyz answer from here on; the directory file is imported once Redis
  // is reachable, then calls and supervision start.
  try {
    await redisReady(redis, logger);
    const renamed = await migrateUntaggedKeys(redis, store.keys);
    if (renamed > 0) logger.info({ renamed }, 'redis keys renamed to the hash-tagged layout (docs/redis.md)');
    await store.directory.seedAdminIndex();
    await bootstrapDirectory({ store, directory, config, logger });
  } catch (err) {
    // A bad directory file stops the start: release what is open so the process can exit.
    await api.close();
    redis.disconnect();
    throw err;
  }
  pool.start();
  mediaLoad.start();
  admission.start();
  sip.start();
  await service.start();
  logger.info('coachline started');

  return {
    httpUrl,
    config,
    async freeswitchApi(cmd: string) {
      const [ms] = pool.servers();
      if (!ms) throw new Error('no FreeSWITCH server connected');
      return ms.api(cmd);
    },
    async stop() {
      return runShutdown(
        [
          // Event streams are ended first, or the server would wait for them for ever.
          { name: 'http', run: () => api.close() },
          // FreeSWITCH keeps an app's channels when its socket closes: hang up our calls first.
          { name: 'sip', run: () => sip.stop() },
          { name: 'media calls', run: () => media.endAll() },
          { name: 'supervision', run: () => service!.stop() },
          {
            name: 'media servers',
            run: () => {
              admission.stop();
              mediaLoad.stop();
              pool.stop();
            },
          },
          { name: 'redis', run: () => redis.disconnect() },
        ],
        config.http.shutdownTimeoutMs,
        logger.child({ component: 'shutdown' }),
      );
    },
  };
}

/** Resolves once Redis answers; logs while it does not (ioredis keeps reconnecting). */
async function redisReady(redis: ReturnType<typeof createRedis>, logger: Logger): Promise<void> {
  if (redis.status === 'ready') return;
  const nag = setInterval(() => logger.warn({ status: redis.status }, 'waiting for Redis'), 5000);
  try {
    await new Promise<void>((resolve) => redis.once('ready', () => resolve()));
  } finally {
    clearInterval(nag);
  }
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    // A bad setting stops the start with the variable named, before anything connects.
    process.stderr.write(`coachline: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const logger = createLogger(config);
  // A failure nothing awaited is a bug to log and fix, not a reason to drop every
  // live call on this instance.
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
  const app = await startCoachline(config, logger);
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, timeoutMs: config.http.shutdownTimeoutMs }, 'shutting down');
    // A backstop for what the per-step deadline cannot interrupt.
    setTimeout(() => {
      logger.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, config.http.shutdownTimeoutMs + 2000).unref();
    app.stop().then(
      ({ ok }) => {
        logger.info({ ok }, 'shutdown complete');
        process.exit(ok ? 0 : 1);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`coachline failed to start: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
