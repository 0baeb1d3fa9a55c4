import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

/** A long-running clusterctl (--follow, --watch) started by a test. */
export interface CliProcess {
  /** Everything it printed on stdout so far. */
  stdout(): string;
  /** Send SIGINT (Ctrl-C) and resolve with its exit code. */
  interrupt(): Promise<number | null>;
  /** Kill it (teardown; harmless when it already exited). */
  kill(): void;
}

/** Start clusterctl `args` against `endpoint` in the background. */
export function spawnCli(args: string[], endpoint: string): CliProcess {
  const env = { ...process.env };
  delete env['QUORATE_ENDPOINT'];
  const child = spawn(
    process.execPath,
    [resolve('dist/cli/main.js'), '--insecure', '--endpoint', endpoint, ...args],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', () => undefined);
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  return {
    stdout: () => out,
    interrupt: () => {
      child.kill('SIGINT');
      return exited;
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
