import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

/** The compiled clusterctl (tests run from the project root after tsc). */
const CLI_MAIN = resolve('dist/cli/main.js');

/** What one clusterctl run did. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run clusterctl with `args` exactly as given — no --insecure added, unlike the CLI tests'
 * helper — with QUORATE_* variables cleared; killed after `timeoutMs`. Never rejects.
 */
export function runSecureCli(args: string[], timeoutMs = 30_000): Promise<CliRun> {
  return new Promise((done) => {
    const env = { ...process.env };
    for (const key of Object.keys(env)) if (key.startsWith('QUORATE_')) delete env[key];
    const child = spawn(process.execPath, [CLI_MAIN, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}
