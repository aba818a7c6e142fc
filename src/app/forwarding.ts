import { CoachlineError } from '../domain';
import { OwnerUnavailableError, type CommandReply, type InstanceCommand } from '../store';
import type { ResolvedDeps } from './deps';
import { AppError, type AppErrorCode } from './errors';

/** The commands an instance runs for another: each one's handler on the owner. */
export type CommandHandlers = Record<string, (args: Record<string, unknown>) => Promise<unknown>>;

/**
 * Commands for a call or session go to the instance that owns it — the one holding
 * its SIP dialogs and its conference — wherever the HTTP request landed. The owner
 * runs them as if they were its own and its answer (value or refusal, with code and
 * details) comes back unchanged; an owner that does not answer within
 * FORWARD_TIMEOUT_MS is `503 owner_unavailable`, and nothing was changed here.
 */
export class Forwarder {
  constructor(
    private readonly d: ResolvedDeps,
    private readonly handlers: CommandHandlers,
  ) {}

  /** Starts answering commands sent to this instance. */
  serve(): Promise<void> {
    return this.d.store.commands.serve(this.d.instanceId, (cmd) => this.answer(cmd));
  }

  close(): Promise<void> {
    return this.d.store.commands.close();
  }

  /** `here()` when this instance is `owner` (or nobody owns it); else the owner's answer to `op`. */
  async run<T>(owner: string | undefined, op: string, args: Record<string, unknown>, here: () => Promise<T>): Promise<T> {
    const { instanceId, store, metrics, config } = this.d;
    if (owner === undefined || owner === instanceId) return here();
    let reply: CommandReply;
    const t0 = performance.now();
    try {
      reply = await store.commands.send(instanceId, owner, { op, args }, config.forwardTimeoutMs);
    } catch (err) {
      if (!(err instanceof OwnerUnavailableError)) throw err;
      metrics.forwarded.inc({ op, result: 'unavailable' });
      throw new AppError('owner_unavailable', 'the instance that holds this call does not answer; try again shortly');
    } finally {
      metrics.forwardSeconds.observe((performance.now() - t0) / 1000);
    }
    metrics.forwarded.inc({ op, result: reply.ok ? 'ok' : 'refused' });
    if (reply.ok) return reply.value as T;
    const { code, message, details } = reply.error;
    if (code === 'internal') throw new Error(`instance ${owner}: ${message}`);
    throw new AppError(code as AppErrorCode, message, details);
  }

  private async answer(cmd: InstanceCommand): Promise<CommandReply> {
    const handler = Object.hasOwn(this.handlers, cmd.op) ? this.handlers[cmd.op] : undefined;
    if (!handler) return { ok: false, error: { code: 'bad_request', message: `unknown instance command ${cmd.op}` } };
    try {
      return { ok: true, value: await handler(cmd.args) };
    } catch (err) {
      if (err instanceof CoachlineError) return { ok: false, error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } };
      this.d.logger.error({ err, op: cmd.op }, 'a forwarded command failed');
      return { ok: false, error: { code: 'internal', message: 'internal error; it has been logged on the owner' } };
    }
  }
}
