import type { RedisClient } from './client';
import { guard } from './errors';
import { Keys } from './keys';
import { Script } from './script';

/**
 * KEYS instances, lost, dialogs, drachtio · ARGV instanceId, expiryMs, dialogsTtlMs → 'ok' | 'lost'.
 * An instance's heartbeat (which also keeps its held dialogs and their server); refused ('lost')
 * once a survivor has finished this instance's calls for it (it was cut off or paused
 * past its heartbeat): it must let them go before it joins again (`rejoin`).
 */
const BEAT = new Script(
  'instance_beat',
  `
if redis.call('EXISTS', KEYS[2]) == 1 then return 'lost' end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
redis.call('PEXPIRE', KEYS[4], ARGV[3])
return 'ok'
`,
);

/**
 * App instances and their heartbeats (issue 13): an instance that stops beating — a
 * kill -9, a host gone — is found by the survivors, and one of them (the one whose
 * claim wins) finishes its calls and sessions in Redis instead of leaving them to
 * their leases. All keys carry the {calls} tag: one slot with the calls they own.
 */
export class InstanceStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly tombstoneTtlSec: number,
    /** How long a held-dialog set outlives its instance's last beat or addition: one lease. */
    private readonly dialogsTtlMs: number,
  ) {}

  /** Says `instanceId` is alive until `expiry`; 'lost' if its calls were already finished for it. */
  async beat(instanceId: string, expiry: number): Promise<'ok' | 'lost'> {
    const k = this.keys;
    return (await guard(() => BEAT.run(this.redis, [k.instances(), k.instanceLost(instanceId), k.instanceDialogs(instanceId), k.instanceDrachtio(instanceId)], [instanceId, expiry, this.dialogsTtlMs]))) as
      | 'ok'
      | 'lost';
  }

  /**
   * A SIP dialog `instanceId` holds on its drachtio-server (a phone's, the trunk's, a
   * supervisor's, a FreeSWITCH endpoint's): if the instance is lost, a survivor hangs it
   * up (src/sip/held-dialogs.ts).
   */
  async holdDialog(instanceId: string, dialogId: string): Promise<void> {
    const key = this.keys.instanceDialogs(instanceId);
    await guard(() => this.redis.multi().sadd(key, dialogId).pexpire(key, this.dialogsTtlMs).exec());
  }

  /** Dialogs that ended (either side hung up). */
  async releaseDialogs(instanceId: string, dialogIds: string[]): Promise<void> {
    if (dialogIds.length === 0) return;
    await guard(() => this.redis.srem(this.keys.instanceDialogs(instanceId), ...dialogIds));
  }

  /** The drachtio-server (`host:port` as the instance was configured with) its dialogs are on. */
  async announceDrachtio(instanceId: string, server: string): Promise<void> {
    await guard(() => this.redis.set(this.keys.instanceDrachtio(instanceId), server, 'PX', this.dialogsTtlMs));
  }

  /** The dialogs an instance held when it last said so, and the drachtio-server they are on. */
  async heldDialogs(instanceId: string): Promise<{ server?: string; ids: string[] }> {
    const k = this.keys;
    const [ids, server] = await guard(() => Promise.all([this.redis.smembers(k.instanceDialogs(instanceId)), this.redis.get(k.instanceDrachtio(instanceId))]));
    return { ids, ...(server ? { server } : {}) };
  }

  /** Instances whose heartbeat expired before `now`. */
  async lapsed(now: number): Promise<string[]> {
    return guard(() => this.redis.zrangebyscore(this.keys.instances(), '-inf', `(${now}`));
  }

  /** Only one survivor finishes a lost instance: the first to claim it, for `ms` (it retries if that one dies too). */
  async claim(lostId: string, by: string, ms: number): Promise<boolean> {
    return (await guard(() => this.redis.set(this.keys.instanceReaper(lostId), by, 'PX', ms, 'NX'))) === 'OK';
  }

  /** The lost instance's calls are finished: it leaves the registry, and a tombstone tells it so if it comes back. */
  async finished(lostId: string): Promise<void> {
    const k = this.keys;
    await guard(() =>
      this.redis
        .multi()
        .zrem(k.instances(), lostId)
        .set(k.instanceLost(lostId), '1', 'EX', this.tombstoneTtlSec)
        .del(k.instanceReaper(lostId), k.instanceDialogs(lostId), k.instanceDrachtio(lostId))
        .exec(),
    );
  }

  /** An instance that was declared lost has let its calls go: it may beat again. */
  async rejoin(instanceId: string): Promise<void> {
    await guard(() => this.redis.del(this.keys.instanceLost(instanceId)));
  }

  /** A clean stop: nobody needs to finish anything for it (its calls were hung up). */
  async leave(instanceId: string): Promise<void> {
    const k = this.keys;
    await guard(() => this.redis.multi().zrem(k.instances(), instanceId).del(k.instanceDialogs(instanceId), k.instanceDrachtio(instanceId)).exec());
  }
}
