import type { ConfigError } from '../config/config-error.js';
import type { ConfigErrorView } from './admin-messages.js';

/** A configuration error on the wire: its position, path and message, and the usual text. */
export function configErrorView(e: ConfigError): ConfigErrorView {
  return {
    file: e.file,
    line: e.line,
    column: e.column,
    path: e.path,
    message: e.message,
    text: e.format(),
  };
}
