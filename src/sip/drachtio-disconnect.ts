import type Srf from 'drachtio-srf';

/** The parts of drachtio-srf's connection internals a clean stop needs (drachtio-srf 5). */
interface AgentInternals {
  mapServer?: Map<unknown, unknown>;
  wp?: { closing?: boolean; socket?: { destroy(): void }; reconnectVars?: { retryTimer?: NodeJS.Timeout | null } };
}

/**
 * Closes the drachtio connection, connected or not. drachtio-srf's `disconnect()`
 * assumes a connected socket: without one it throws an AssertionError (it formats the
 * socket's ports for a debug line first) and its reconnect timer keeps retrying, and
 * the process alive. So when no socket is up, reconnecting is stopped instead.
 */
export function disconnectDrachtio(srf: Srf): void {
  const agent = (srf as unknown as { _app?: { client?: AgentInternals } })._app?.client;
  if (!agent) return;
  if ((agent.mapServer?.size ?? 0) > 0) {
    srf.disconnect();
    return;
  }
  const wp = agent.wp;
  if (!wp) return;
  wp.closing = true;
  if (wp.reconnectVars?.retryTimer) {
    clearTimeout(wp.reconnectVars.retryTimer);
    wp.reconnectVars.retryTimer = null;
  }
  wp.socket?.destroy();
}
