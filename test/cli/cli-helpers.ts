import type { ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { StatusReply } from '../../agent/src/api/admin-messages.js';
import { AgentCluster, pollUntil } from '../harness/agent-processes.js';

/** The compiled clusterctl (tests run from the project root after tsc). */
const CLI_MAIN = resolve('dist/cli/main.js');

/** What one clusterctl run did. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run clusterctl with `args` as a subprocess (against `endpoint` when given), feeding `input`
 * on stdin; killed after `timeoutMs`. Never rejects: the exit code and output are the result.
 */
export function runCli(
  args: string[],
  options: { endpoint?: string; input?: string; timeoutMs?: number } = {},
): Promise<CliRun> {
  // The harness's agents run --insecure (plaintext); the TLS tests start their own.
  const endpointArgs = [
    '--insecure',
    ...(options.endpoint === undefined ? [] : ['--endpoint', options.endpoint]),
  ];
  return new Promise((done) => {
    const env = { ...process.env };
    delete env['QUORATE_ENDPOINT'];
    const child = spawn(process.execPath, [CLI_MAIN, ...endpointArgs, ...args], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Run clusterctl until `accept` holds for a run, at most `timeoutMs`; the accepted run. */
export async function pollCli(
  args: string[],
  endpoint: string,
  accept: (run: CliRun) => boolean,
  timeoutMs = 20_000,
): Promise<CliRun | undefined> {
  return pollUntil(timeoutMs, 200, async () => {
    const run = await runCli(args, { endpoint });
    return accept(run) ? run : undefined;
  });
}

/** `clusterctl status -o json`, parsed (undefined when it failed). */
export async function statusJson(endpoint: string): Promise<StatusReply | undefined> {
  const run = await runCli(['status', '-o', 'json'], { endpoint });
  return run.code === 0 ? (JSON.parse(run.stdout) as StatusReply) : undefined;
}

/** Poll status until `accept` holds; the accepted report. */
export async function pollStatus(
  endpoint: string,
  accept: (s: StatusReply) => boolean,
  timeoutMs = 20_000,
): Promise<StatusReply | undefined> {
  return pollUntil(timeoutMs, 200, async () => {
    const s = await statusJson(endpoint);
    return s !== undefined && accept(s) ? s : undefined;
  });
}

/**
 * Poll status until `accept` holds and return that report; otherwise fail the test saying
 * `what` did not happen, with the last status and events as clusterctl printed them.
 */
export async function expectStatus(
  t: ExecutionContext,
  endpoint: string,
  accept: (s: StatusReply) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<StatusReply> {
  const seen = await pollStatus(endpoint, accept, timeoutMs);
  if (seen !== undefined) return seen;
  const status = await runCli(['status'], { endpoint });
  const events = await runCli(['events', '--limit', '30'], { endpoint });
  t.log(`${status.stdout}${status.stderr}\n${events.stdout}${events.stderr}`);
  throw new Error(`not within ${timeoutMs} ms: ${what}`);
}

/**
 * A configuration with marker resources (test agent ocf:test:marker): resource `id` leaves
 * the file `dir/id/<node>` on each node it is active on (the directories are created).
 */
export function markerYaml(dir: string, ids: string[] = ['web']): string {
  for (const id of ids) mkdirSync(join(dir, id), { recursive: true });
  const resources = ids
    .map(
      (id) => `  - id: ${id}
    agent: ocf:test:marker
    params: { dir: ${join(dir, id)} }
    operations:
      monitor: { interval: 500ms, timeout: 10s }
      start: { timeout: 10s }
      stop: { timeout: 10s }`,
    )
    .join('\n');
  return `apiVersion: quorate/v1\nresources:\n${resources}\n`;
}

/** A running three-agent cluster for CLI tests, with a marker directory and a scratch dir. */
export interface CliCluster {
  cluster: AgentCluster;
  /** Where ocf:test:marker resource `id` leaves one file per node it is active on: `id/<node>`. */
  markerDir: string;
  /** A scratch directory for configuration files. */
  dir: string;
  /** The agent address of `id` (default: node1), for --endpoint. */
  endpoint(id?: string): string;
  /** Write `text` to a file in the scratch directory; its path. */
  writeFile(name: string, text: string): string;
  /** The nodes marker resource `id` is active on now (the file names in markerDir/id). */
  markers(id?: string): string[];
}

/**
 * Start three agents on loopback with the test OCF agents, wait for a leader, and register
 * the teardown (agents killed, directories removed) on `t`.
 */
export async function startCliCluster(t: ExecutionContext): Promise<CliCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'quorate-cli-'));
  const markerDir = join(dir, 'markers');
  const cluster = await AgentCluster.start(3, ['--ocf-root', resolve('test/agent/ocf')]);
  t.teardown(async () => {
    await cluster.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  mkdirSync(markerDir);
  await cluster.waitForLeader();
  return {
    cluster,
    markerDir,
    dir,
    endpoint: (id = 'node1') => cluster.agent(id).address,
    writeFile: (name, text) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    markers: (id = 'web') => readdirSync(join(markerDir, id)).sort(),
  };
}

/**
 * Apply a marker configuration through clusterctl and wait until every resource in it is
 * started somewhere (per status). Fails the test when it does not happen in time.
 */
export async function applyMarkers(
  t: ExecutionContext,
  c: CliCluster,
  ids: string[] = ['web'],
): Promise<StatusReply> {
  const file = c.writeFile('cluster.yaml', markerYaml(c.markerDir, ids));
  const applied = await pollCli(['apply', '-f', file], c.endpoint(), (r) => r.code === 0);
  t.truthy(applied, 'apply succeeded');
  return expectStatus(
    t,
    c.endpoint(),
    (s) => ids.every((id) => s.resources.find((r) => r.id === id)?.state === 'started'),
    `${ids.join(', ')} started`,
  );
}
