/**
 * The little the transport needs from a logger: structured fields first, then a message. A
 * pino logger satisfies it as is; the default is silent so tests and embedders opt in.
 */
export interface TransportLogger {
  /** Routine connection events (stream opened, peer replaced). */
  debug(fields: object, message: string): void;
  /** Something an operator should see: a failed connection, a refused stream, drops. */
  warn(fields: object, message: string): void;
}

/** A logger that discards everything. */
export const SILENT_LOGGER: TransportLogger = {
  debug: () => {},
  warn: () => {},
};
