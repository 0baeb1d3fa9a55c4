/**
 * The little the fencing module needs from a logger: structured fields first, then a message.
 * A pino logger satisfies it as is. Everything passed to it is already redacted: no device
 * parameter value, and no secret inside an agent's output, ever reaches it.
 */
export interface FenceLogger {
  /** Each agent run. */
  debug(fields: object, message: string): void;
  /** A node fenced, a fencing request. */
  info(fields: object, message: string): void;
  /** A failed attempt, level or fencing operation. */
  warn(fields: object, message: string): void;
}

/** A logger that discards everything (the default: tests and embedders opt in). */
export const SILENT_FENCE_LOGGER: FenceLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
};
