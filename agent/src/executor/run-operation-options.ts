import { DEFAULT_OCF_ROOT, defaultQuorateAgentsDir } from './agent-path.js';

/** How operations are run on this node; every field has a default (RUN_OPERATION_DEFAULTS). */
export interface RunOperationOptions {
  /** OCF_ROOT (default /usr/lib/ocf). */
  ocfRoot?: string;
  /** Where the agents of provider `quorate` live (default: the project's resource-agents/). */
  quorateAgentsDir?: string;
  /** This node's name, passed to agents as OCF_RESKEY_CRM_meta_on_node. */
  nodeName?: string | null;
  /** Variables the operator wants agents to see (e.g. HA_LOGFACILITY); never OCF ones. */
  extraEnv?: Record<string, string>;
  /** After a timeout's SIGTERM, how long before SIGKILL. */
  killGraceMs?: number;
  /** After SIGKILL, how long to wait for the process before reporting it unkillable. */
  killWaitMs?: number;
  /** Most bytes of stdout, and of stderr, kept for diagnostics. */
  outputMaxBytes?: number;
  /** After exit, how long to wait for pipes held by leftover children (see process-group-run.ts). */
  drainAfterExitMs?: number;
  /** After the result, how long leftover children's pipes are drained before being closed. */
  lingerMaxMs?: number;
  /** The systemctl program (looked up in the sane PATH unless absolute). */
  systemctlPath?: string;
  /** systemd runs when this directory exists (what sd_booted checks). */
  systemdRuntimeDir?: string;
  /** Aborting cancels the operation (its process group is killed: TERM, then KILL). */
  signal?: AbortSignal;
}

/** The options with every default filled in. */
export type ResolvedRunOperationOptions = Required<Omit<RunOperationOptions, 'signal'>> & {
  signal: AbortSignal | undefined;
};

/** Defaults: generous enough for real agents, short enough that a hung one is noticed. */
export const RUN_OPERATION_DEFAULTS = {
  ocfRoot: DEFAULT_OCF_ROOT,
  nodeName: null,
  killGraceMs: 2_000,
  killWaitMs: 2_000,
  outputMaxBytes: 64 * 1024,
  drainAfterExitMs: 25,
  lingerMaxMs: 60_000,
  systemctlPath: 'systemctl',
  systemdRuntimeDir: '/run/systemd/system',
} as const;

/** Fill in the defaults. */
export function resolveRunOperationOptions(
  options: RunOperationOptions,
): ResolvedRunOperationOptions {
  return {
    ocfRoot: options.ocfRoot ?? RUN_OPERATION_DEFAULTS.ocfRoot,
    quorateAgentsDir: options.quorateAgentsDir ?? defaultQuorateAgentsDir(),
    nodeName: options.nodeName ?? RUN_OPERATION_DEFAULTS.nodeName,
    extraEnv: options.extraEnv ?? {},
    killGraceMs: options.killGraceMs ?? RUN_OPERATION_DEFAULTS.killGraceMs,
    killWaitMs: options.killWaitMs ?? RUN_OPERATION_DEFAULTS.killWaitMs,
    outputMaxBytes: options.outputMaxBytes ?? RUN_OPERATION_DEFAULTS.outputMaxBytes,
    drainAfterExitMs: options.drainAfterExitMs ?? RUN_OPERATION_DEFAULTS.drainAfterExitMs,
    lingerMaxMs: options.lingerMaxMs ?? RUN_OPERATION_DEFAULTS.lingerMaxMs,
    systemctlPath: options.systemctlPath ?? RUN_OPERATION_DEFAULTS.systemctlPath,
    systemdRuntimeDir: options.systemdRuntimeDir ?? RUN_OPERATION_DEFAULTS.systemdRuntimeDir,
    signal: options.signal,
  };
}
