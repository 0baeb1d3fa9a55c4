import type { Command } from 'commander';
import { AdminClient } from './admin-client.js';
import type { CliResult } from './cli-failure.js';
import { clientCredentials } from './client-credentials.js';
import { ExitCode } from './exit-codes.js';
import { globalOptions } from './options.js';

/**
 * Run a verb's body with a client for the chosen endpoint and settle its outcome: print a
 * failure's message on stderr (`clusterctl: ...`) and set the exit code; close the client
 * whatever happens. The one place where results become exit codes.
 */
export async function runWithClient(
  cmd: Command,
  body: (client: AdminClient) => Promise<CliResult<unknown>>,
): Promise<void> {
  const options = globalOptions(cmd);
  const credentials = clientCredentials(options);
  if (!credentials.ok) return settle(credentials);
  const client = new AdminClient(options.endpoint, options.requestTimeoutMs, credentials.value);
  try {
    settle(await body(client));
  } catch (err) {
    settle({
      ok: false,
      failure: {
        exitCode: ExitCode.INTERNAL,
        message: `internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      },
    });
  } finally {
    client.close();
  }
}

/** Print a failure and set the exit code (0 for success). */
export function settle(result: CliResult<unknown>): void {
  if (result.ok) {
    process.exitCode = ExitCode.OK;
    return;
  }
  process.stderr.write(`clusterctl: ${result.failure.message}\n`);
  process.exitCode = result.failure.exitCode;
}

/** Write `text` and a newline to stdout. */
export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
