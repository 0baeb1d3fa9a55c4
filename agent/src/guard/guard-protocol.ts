import type { ResourceDef } from '../config/model.js';

/**
 * Messages between a node's agent and its lease guard, one JSON object per line over the
 * guard's Unix socket. Times are on the host's shared monotonic clock
 * ({@link ../guard/monotonic-time.js}).
 */
export type AgentToGuard =
  /**
   * The agent's lease as of now, sent every renewal round whether or not it changed, so the
   * message doubles as the agent's heartbeat. `expiresAtMs` is -Infinity (sent as null) when
   * the agent holds no lease.
   */
  | { type: 'lease'; expiresAtMs: number | null }
  /**
   * Everything that may run on this node, in start order (a resource after those it depends
   * on): what the guard stops, in reverse, if the agent cannot. Sent when it changes.
   */
  | { type: 'resources'; resources: ResourceDef[] }
  /**
   * The agent stopped everything itself and is exiting on purpose: nothing is left to guard,
   * and the guard may exit.
   */
  | { type: 'released' };

/** What the guard tells an agent that connects (a restarted agent inherits it). */
export type GuardToAgent = {
  type: 'hello';
  /** The lease the previous agent process held, or null if none (or already over). */
  expiresAtMs: number | null;
  /** Whether the guard has stopped (or is stopping) everything since that lease ended. */
  stoppedAll: boolean;
};

/** Encode one message as a line. */
export function encodeGuardMessage(msg: AgentToGuard | GuardToAgent): string {
  return `${JSON.stringify(msg)}\n`;
}

/**
 * Split a byte stream into messages: feed chunks, get the complete lines parsed. Malformed
 * lines are reported to `onError` and skipped (the peer is our own code; a bad line is a bug
 * to log, not a reason to stop guarding).
 */
export function lineDecoder<T>(
  onMessage: (msg: T) => void,
  onError: (line: string) => void,
): (chunk: Buffer | string) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString();
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.trim() !== '') {
        try {
          onMessage(JSON.parse(line) as T);
        } catch {
          onError(line);
        }
      }
      nl = pending.indexOf('\n');
    }
  };
}
