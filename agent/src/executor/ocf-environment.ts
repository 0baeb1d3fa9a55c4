import type { OperationAction } from './operation-result.js';

/** A PATH that finds the usual system tools, whatever the daemon's own PATH is. */
export const SANE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The prefix of the stderr lines that carry an agent's exit reason (`ocf_exit_reason`). */
export const OCF_EXIT_REASON_PREFIX = 'ocf-exit-reason:';

/** What the environment of one OCF agent run is built from. */
export interface OcfEnvironmentInput {
  ocfRoot: string;
  resourceId: string;
  provider: string;
  type: string;
  /** Agent parameters; each becomes OCF_RESKEY_<name>. */
  params: Record<string, string>;
  action: OperationAction;
  timeoutMs: number;
  intervalMs: number;
  /** This node's name (OCF_RESKEY_CRM_meta_on_node), if known. */
  nodeName: string | null;
  /**
   * Extra variables the operator chose to pass (e.g. HA_LOGFACILITY, HOME). Applied first,
   * so they can never override an OCF variable.
   */
  extraEnv: Record<string, string>;
}

const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The complete environment of an OCF agent run, built from nothing (the daemon's own
 * environment, which may hold secrets, is never inherited): PATH, a C locale, OCF_ROOT,
 * OCF_RA_VERSION_MAJOR/MINOR (1.1), OCF_RESOURCE_INSTANCE/TYPE/PROVIDER, OCF_RESKEY_<param>
 * for every parameter, and Pacemaker's meta variables OCF_RESKEY_CRM_meta_timeout (ms),
 * _interval (ms; 0 marks a probe, which `ocf_is_probe` tests), _name (the OCF action) and
 * _on_node. Also OCF_EXIT_REASON_PREFIX, so agents print exit reasons in the form we parse.
 *
 * Refuses (as a value) a parameter or variable name a shell could not read, a parameter that
 * would shadow a CRM_meta variable, and a value with a NUL byte (execve cannot pass it).
 */
export function buildOcfEnvironment(
  input: OcfEnvironmentInput,
): { ok: true; env: Record<string, string> } | { ok: false; reason: string } {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.extraEnv)) {
    const refusal = checkVariable(name, value);
    if (refusal !== null) return { ok: false, reason: `extra environment: ${refusal}` };
    env[name] = value;
  }
  Object.assign(env, {
    PATH: SANE_PATH,
    LANG: 'C',
    LC_ALL: 'C',
    OCF_ROOT: input.ocfRoot,
    OCF_RA_VERSION_MAJOR: '1',
    OCF_RA_VERSION_MINOR: '1',
    OCF_RESOURCE_INSTANCE: input.resourceId,
    OCF_RESOURCE_TYPE: input.type,
    OCF_RESOURCE_PROVIDER: input.provider,
    OCF_EXIT_REASON_PREFIX,
  });
  for (const [name, value] of Object.entries(input.params)) {
    const refusal = checkVariable(name, value);
    if (refusal !== null) return { ok: false, reason: `parameter: ${refusal}` };
    if (name.startsWith('CRM_meta_')) {
      return {
        ok: false,
        reason: `parameter ${name} is reserved (CRM_meta_ variables are set by the cluster)`,
      };
    }
    env[`OCF_RESKEY_${name}`] = value;
  }
  env.OCF_RESKEY_CRM_meta_timeout = String(Math.round(input.timeoutMs));
  env.OCF_RESKEY_CRM_meta_interval = String(
    input.action === 'monitor' ? Math.round(input.intervalMs) : 0,
  );
  env.OCF_RESKEY_CRM_meta_name = ocfActionName(input.action);
  if (input.nodeName !== null) env.OCF_RESKEY_CRM_meta_on_node = input.nodeName;
  for (const [name, value] of Object.entries(env)) {
    if (value.includes('\0')) return { ok: false, reason: `value of ${name} contains a NUL byte` };
  }
  return { ok: true, env };
}

/** The action name the agent is called with: a probe is a `monitor` (with interval 0). */
export function ocfActionName(action: OperationAction): string {
  return action === 'probe' ? 'monitor' : action;
}

function checkVariable(name: string, value: string): string | null {
  if (!ENV_NAME_PATTERN.test(name)) return `invalid name ${JSON.stringify(name)}`;
  if (typeof value !== 'string') return `value of ${name} is not a string`;
  return null;
}
