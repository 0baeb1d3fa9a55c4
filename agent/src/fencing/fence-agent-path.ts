import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where distributions install fence agents (Debian's and RHEL's fence-agents packages). */
export const SYSTEM_FENCE_AGENTS_DIR = '/usr/sbin';

/**
 * The project's `fence-agents/` folder, found relative to this module as compiled
 * (dist/agent/src/fencing/ → the package root), so it works wherever the package is unpacked.
 */
export function projectFenceAgentsDir(): string {
  return fileURLToPath(new URL('../../../../fence-agents/', import.meta.url));
}

/** The default search list: the system's fence agents first, then the project's own. */
export function defaultFenceAgentDirs(): string[] {
  return [SYSTEM_FENCE_AGENTS_DIR, projectFenceAgentsDir()];
}

// One plain path component: no separators, no `.`/`..`, nothing odd.
const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

/** Where a fence agent was found, or why it cannot be run. */
export type FenceAgentLocation =
  { ok: true; path: string } | { ok: false; status: 'not-installed' | 'error'; reason: string };

/**
 * The executable of fence agent `agent`: an absolute path as it is, or a bare name looked up
 * in `dirs` in order (the first regular, executable file wins). A name that is neither
 * absolute nor one plain path component (`../bin/sh`, `sbin/fence_x`) is refused as `error`,
 * so a configuration can never point the fencer at an arbitrary program; a program that is
 * nowhere to be found (or not executable) is `not-installed`. Never throws.
 */
export async function locateFenceAgent(
  agent: string,
  dirs: readonly string[],
): Promise<FenceAgentLocation> {
  if (path.isAbsolute(agent)) {
    const problem = await unusable(agent);
    return problem === null
      ? { ok: true, path: agent }
      : { ok: false, status: 'not-installed', reason: `fence agent ${agent}: ${problem}` };
  }
  if (!NAME_PATTERN.test(agent)) {
    return {
      ok: false,
      status: 'error',
      reason: `invalid fence agent ${JSON.stringify(agent)}: give a program name or an absolute path`,
    };
  }
  const problems: string[] = [];
  for (const dir of dirs) {
    // Absolute: the agent runs with `/` as its working directory.
    const file = path.resolve(dir, agent);
    const problem = await unusable(file);
    if (problem === null) return { ok: true, path: file };
    problems.push(problem);
  }
  const where = dirs.length === 0 ? 'no directories to search' : problems.join('; ');
  return { ok: false, status: 'not-installed', reason: `fence agent ${agent}: ${where}` };
}

/** Why `file` cannot be run, or null when it is an executable regular file. */
async function unusable(file: string): Promise<string | null> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return `${file} is not a file`;
    await access(file, constants.X_OK);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return `not found at ${file}`;
    if (code === 'EACCES') return `${file} is not executable`;
    return `${file} is not usable (${code ?? String(error)})`;
  }
}
