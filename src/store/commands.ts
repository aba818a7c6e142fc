import { randomUUID } from 'node:crypto';
import { isCluster, subscriberOf, type RedisClient } from './client';
import { guard } from './errors';
import { Keys } from './keys';

/** A command for the instance that owns a call or session, and what it answered. */
export interface InstanceCommand {
  op: string;
  args: Record<string, unknown>;
}

export type CommandReply =
  | { ok: true; value: unknown }
  | { ok: false; error: { code: string; message: string; details?: Record<string, unknown> } };

interface Envelope extends InstanceCommand {
  id: string;
  /** The instance waiting for the reply. */
  from: string;
  /** Epoch ms after which the sender has given up: the owner then drops it unrun. */
  deadline: number;
}

/** How long a command the owner has accepted may take to finish (a start dials; the HTTP request itself is cut at 30 s). */
const RESULT_CAP_MS = 25_000;

export class OwnerUnavailableError extends Error {
  readonly code = 'owner_unavailable';
  override readonly name = 'OwnerUnavailableError';
}

/**
 * Commands between app instances over Redis pub/sub: each instance listens on its own
 * channel for commands and on another for replies. A command for an instance nobody
 * listens for fails at once (PUBLISH reached no subscriber). The owner acknowledges a
 * command before running it; one not acknowledged within the timeout fails, and the
 * owner drops it unrun if it arrives later (its deadline passed). So a command either
 * runs on the owner and its answer comes back, or it runs nowhere.
 *
 * On a Redis Cluster, PUBLISH's count is of one node's subscribers, so a command for
 * an instance that is gone fails when the acknowledgement does not come (the forward
 * timeout), not at once. The same holds for the owner's ack: it cannot tell that the
 * sender has gone, and the sender's deadline is what drops a late command.
 */
export class CommandBus {
  private sub: RedisClient | undefined;
  private ready: Promise<void> | undefined;
  private readonly waiting = new Map<string, { resolve: (r: CommandReply) => void; timer: NodeJS.Timeout; accepted: () => void }>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /**
   * Listens for commands to `instanceId` (answered by `handle`) and for replies to the
   * commands it sends. Resolves once Redis confirmed both subscriptions.
   */
  serve(instanceId: string, handle: (cmd: InstanceCommand) => Promise<CommandReply>): Promise<void> {
    if (this.ready) return this.ready;
    const sub = subscriberOf(this.redis);
    this.sub = sub;
    const commands = this.keys.instanceCommands(instanceId);
    const replies = this.keys.instanceReplies(instanceId);
    sub.on('error', () => undefined); // ioredis reconnects and re-subscribes by itself
    sub.on('message', (channel: string, raw: string) => {
      let msg: unknown;
      try {
        msg = JSON.parse(raw);
      } catch {
        return;
      }
      if (channel === replies) this.settle(msg as { id: string } & CommandReply);
      else if (channel === commands) void this.answer(msg as Envelope, handle);
    });
    this.ready = sub.subscribe(commands, replies).then(() => undefined);
    return this.ready;
  }

  /** Runs `cmd` on instance `to` and returns its reply; OwnerUnavailableError when it does not answer. */
  async send(from: string, to: string, cmd: InstanceCommand, timeoutMs: number): Promise<CommandReply> {
    if (!this.ready) throw new Error('CommandBus.send before serve()');
    await this.ready;
    const id = randomUUID();
    const unavailable = (message: string): CommandReply => ({ ok: false, error: { code: 'owner_unavailable', message } });
    const reply = new Promise<CommandReply>((resolve) => {
      const giveUp = (ms: number, message: string): NodeJS.Timeout =>
        setTimeout(() => {
          this.waiting.delete(id);
          resolve(unavailable(message));
        }, ms);
      const entry = {
        resolve,
        timer: giveUp(timeoutMs, `instance ${to} did not take the command within ${timeoutMs} ms`),
        accepted: () => {
          clearTimeout(entry.timer);
          entry.timer = giveUp(RESULT_CAP_MS, `instance ${to} took the command but did not finish it within ${RESULT_CAP_MS} ms`);
        },
      };
      this.waiting.set(id, entry);
    });
    const envelope: Envelope = { id, from, deadline: Date.now() + timeoutMs, ...cmd };
    const receivers = await guard(() => this.redis.publish(this.keys.instanceCommands(to), JSON.stringify(envelope))).catch((err: unknown) => {
      this.drop(id);
      throw err;
    });
    // PUBLISH counts the subscribers of the node it ran on. One server (Sentinel too)
    // has them all, so 0 means nobody listens; on a cluster the owner may listen
    // through another node, and only the missing acknowledgement tells.
    if (receivers === 0 && !isCluster(this.redis)) {
      this.drop(id);
      throw new OwnerUnavailableError(`instance ${to} is not listening`);
    }
    const r = await reply;
    if (!r.ok && r.error.code === 'owner_unavailable') throw new OwnerUnavailableError(r.error.message);
    return r;
  }

  async close(): Promise<void> {
    for (const id of [...this.waiting.keys()]) this.drop(id);
    this.sub?.disconnect();
    this.sub = undefined;
    this.ready = undefined;
  }

  private async answer(msg: Envelope, handle: (cmd: InstanceCommand) => Promise<CommandReply>): Promise<void> {
    if (typeof msg?.id !== 'string' || typeof msg.from !== 'string' || typeof msg.op !== 'string') return;
    // The sender has answered 503 already: running it now would be a change nobody was told of.
    if (!(Date.now() <= msg.deadline)) return;
    const replies = this.keys.instanceReplies(msg.from);
    // If Redis is away the requester times out (before the ack) or gives up (after); nothing else to do here.
    const accepted = await this.redis.publish(replies, JSON.stringify({ id: msg.id, accepted: true })).catch(() => -1);
    // Nobody waits for it (or Redis is away): do not run it. On a cluster 0 says nothing (see `send`).
    if (accepted === -1 || (accepted === 0 && !isCluster(this.redis))) return;
    const reply = await handle({ op: msg.op, args: msg.args ?? {} });
    await this.redis.publish(replies, JSON.stringify({ id: msg.id, ...reply })).catch(() => undefined);
  }

  private settle(msg: { id: string; accepted?: true } & CommandReply): void {
    const w = typeof msg?.id === 'string' ? this.waiting.get(msg.id) : undefined;
    if (!w) return;
    if (msg.accepted) return w.accepted();
    clearTimeout(w.timer);
    this.waiting.delete(msg.id);
    const { id: _id, ...reply } = msg;
    w.resolve(reply as CommandReply);
  }

  private drop(id: string): void {
    const w = this.waiting.get(id);
    if (w) clearTimeout(w.timer);
    this.waiting.delete(id);
  }
}
