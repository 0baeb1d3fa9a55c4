import { chmod, copyFile, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { FenceDevice } from '../../agent/src/fencing/fence-device.js';
import type { FenceLogger } from '../../agent/src/fencing/fence-logger.js';

/** The fake fence agents next to these tests, found from the compiled test file. */
export const AGENTS_DIR = fileURLToPath(new URL('../../../test/fencing/agents/', import.meta.url));

/** The password every test device carries; it must never show up outside the agent's stdin. */
export const PASSWORD = 'pw-Zq81-never-logged';

/** A scratch directory holding executable copies of the fake agents. */
export interface Sandbox {
  dir: string;
  /** Where the agents are: pass as `agentDirs`. */
  agentsDir: string;
  /** A path inside the sandbox. */
  file(name: string): string;
  remove(): Promise<void>;
}

/**
 * A fresh sandbox. The agents are copied in with mode 755, so the tests do not depend on the
 * checkout keeping the executable bit.
 */
export async function makeSandbox(): Promise<Sandbox> {
  const dir = await mkdtemp(path.join(tmpdir(), 'quorate-fencing-'));
  const agentsDir = path.join(dir, 'agents');
  await mkdir(agentsDir);
  for (const name of await readdir(AGENTS_DIR)) {
    await copyFile(path.join(AGENTS_DIR, name), path.join(agentsDir, name));
    await chmod(path.join(agentsDir, name), 0o755);
  }
  return {
    dir,
    agentsDir,
    file: (name) => path.join(dir, name),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * A device of the fake agent, fencing each listed node through the plug of the same name
 * (unless `hostMap` says otherwise), recording its input to `record`, with the test password.
 */
export function fakeDevice(
  id: string,
  record: string,
  options: {
    nodes?: string[];
    hostMap?: Record<string, string>;
    params?: Record<string, string>;
  } = {},
): FenceDevice {
  const hostMap =
    options.hostMap ?? Object.fromEntries((options.nodes ?? []).map((node) => [node, node]));
  return {
    id,
    agent: 'fence_fake',
    params: { login: 'admin', passwd: PASSWORD, record, ...options.params },
    hostMap,
    timeoutMs: 20_000,
  };
}

/** One call as the fake agent recorded it: its stdin, parsed, and the raw text. */
export interface RecordedCall {
  raw: string;
  params: Record<string, string>;
  /** Extra lines the agent noted after the input (`env: clean`). */
  notes: string[];
}

/** The calls recorded in `file`, in order (none if the file does not exist). */
export async function readCalls(file: string): Promise<RecordedCall[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  const calls: RecordedCall[] = [];
  for (const block of text.split('<<<\n').slice(1)) {
    const [raw = '', after = ''] = block.split('>>>\n');
    const params: Record<string, string> = {};
    for (const line of raw.split('\n').filter((l) => l !== '')) {
      const eq = line.indexOf('=');
      params[line.slice(0, eq)] = line.slice(eq + 1);
    }
    calls.push({ raw, params, notes: after.split('\n').filter((l) => l !== '') });
  }
  return calls;
}

/** The actions of the recorded calls, as `action:plug` (or just `action`). */
export async function readActions(file: string): Promise<string[]> {
  return (await readCalls(file)).map((call) =>
    call.params.plug === undefined
      ? (call.params.action ?? '?')
      : `${call.params.action}:${call.params.plug}`,
  );
}

/** A logger that keeps every line it is given, serialised, for secret checks. */
export class CapturingLogger implements FenceLogger {
  readonly lines: string[] = [];
  debug(fields: object, message: string): void {
    this.lines.push(JSON.stringify({ level: 'debug', fields, message }));
  }
  info(fields: object, message: string): void {
    this.lines.push(JSON.stringify({ level: 'info', fields, message }));
  }
  warn(fields: object, message: string): void {
    this.lines.push(JSON.stringify({ level: 'warn', fields, message }));
  }
  /** Everything logged, as one string. */
  text(): string {
    return this.lines.join('\n');
  }
}
