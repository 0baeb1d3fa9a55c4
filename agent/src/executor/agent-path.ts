import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Where OCF agents live: the standard OCF tree, and the project's own agents. */
export interface AgentRoots {
  /** OCF_ROOT: agents of provider P are `${ocfRoot}/resource.d/P/<type>`. */
  ocfRoot: string;
  /** The agents of provider `quorate` (the project's `resource-agents/` folder). */
  quorateAgentsDir: string;
}

/** The OCF tree's standard location (Debian's resource-agents package installs there). */
export const DEFAULT_OCF_ROOT = '/usr/lib/ocf';

/**
 * The project's `resource-agents/` folder, found relative to this module as compiled
 * (dist/agent/src/executor/ → the package root), so it works wherever the package is unpacked.
 */
export function defaultQuorateAgentsDir(): string {
  return fileURLToPath(new URL('../../../../resource-agents/', import.meta.url));
}

/** The default roots: the standard OCF tree and the project's agents. */
export function defaultAgentRoots(): AgentRoots {
  return { ocfRoot: DEFAULT_OCF_ROOT, quorateAgentsDir: defaultQuorateAgentsDir() };
}

// A provider or type is one path component: no separators, no `.`/`..`, nothing odd.
const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

/**
 * The file of OCF agent `ocf:<provider>:<type>`: `${ocfRoot}/resource.d/<provider>/<type>`,
 * or `${quorateAgentsDir}/<type>` for provider `quorate`. Refuses (as a value) a provider or
 * type that is not a single plain path component, so a configuration can never point the
 * executor at an arbitrary program (`../../bin/sh`). Does not look at the file system.
 */
export function resolveOcfAgentPath(
  provider: string,
  type: string,
  roots: AgentRoots,
): { ok: true; path: string } | { ok: false; reason: string } {
  for (const [what, name] of [
    ['provider', provider],
    ['type', type],
  ] as const) {
    if (!NAME_PATTERN.test(name)) {
      return { ok: false, reason: `invalid OCF agent ${what} ${JSON.stringify(name)}` };
    }
  }
  const file =
    provider === 'quorate'
      ? path.join(roots.quorateAgentsDir, type)
      : path.join(roots.ocfRoot, 'resource.d', provider, type);
  return { ok: true, path: file };
}
