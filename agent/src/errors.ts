/**
 * The closed set of failure codes the agent reports to callers. Edges translate them: the
 * admin API to gRPC status codes, clusterctl to exit codes and a sentence of advice.
 */
export type QuorateErrorCode =
  'not-leader' | 'no-leader' | 'timeout' | 'stopped' | 'refused' | 'invalid-argument';

/**
 * The agent's one error class: a code from a closed set, a message that says what happened
 * and what to do, an optional `leader` hint (for `not-leader`), and the underlying `cause`.
 */
export class QuorateError extends Error {
  constructor(
    readonly code: QuorateErrorCode,
    message: string,
    readonly details: { leader?: string | null; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
    this.name = 'QuorateError';
  }
}
