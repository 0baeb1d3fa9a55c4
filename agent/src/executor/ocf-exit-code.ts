/**
 * The exit codes of OCF resource agents (OCF 1.1, as Pacemaker reads them). An agent's exit
 * code is only meaningful when it ran to completion; whether it did is a separate axis (see
 * `ExecutionStatus` in operation-result.ts).
 */

/** The action succeeded (monitor: the resource runs). */
export const OCF_SUCCESS = 0;
/** Generic failure: the action failed, the cause may be local and passing. */
export const OCF_ERR_GENERIC = 1;
/** The parameters are wrong for this node (a missing file, a bad value here). */
export const OCF_ERR_ARGS = 2;
/** The agent does not implement the action. */
export const OCF_ERR_UNIMPLEMENTED = 3;
/** Insufficient permissions on this node. */
export const OCF_ERR_PERM = 4;
/** Software the agent needs is missing on this node. */
export const OCF_ERR_INSTALLED = 5;
/** The configuration is wrong everywhere: no node can run the resource as configured. */
export const OCF_ERR_CONFIGURED = 6;
/** The resource is cleanly stopped (monitor), or was already stopped. */
export const OCF_NOT_RUNNING = 7;
/** The resource runs in the promoted role (promotable resources only). */
export const OCF_RUNNING_PROMOTED = 8;
/** The resource failed in the promoted role (promotable resources only). */
export const OCF_FAILED_PROMOTED = 9;

const NAMES: readonly string[] = [
  'success',
  'generic error',
  'invalid argument',
  'unimplemented',
  'insufficient privileges',
  'not installed',
  'not configured',
  'not running',
  'running (promoted)',
  'failed (promoted)',
];

/**
 * A short human name for an OCF exit code, for logs and `clusterctl` ("not installed");
 * codes outside 0-9 are named by number, since agents do return them and OCF reads them as
 * generic errors.
 */
export function ocfExitCodeName(rc: number): string {
  return NAMES[rc] ?? `unknown exit code ${rc}`;
}
