import { actionTargetsNode, type FenceAction } from './fence-action.js';
import type { FenceDevice } from './fence-device.js';

/** Parameters the fencer sets itself; a device may not set them (`port` is `plug`'s old name). */
export const RESERVED_FENCE_PARAMS: readonly string[] = ['action', 'plug', 'port'];

// fence-agents option names: letters, digits, `_` (and `-`, which some agents accept).
const PARAM_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;

/**
 * Why a device's parameters cannot be sent, or null when they can. A value containing a line
 * break would smuggle extra `key=value` lines into the agent's input (`x\naction=on`), and a
 * NUL cannot be written sensibly, so both are refused. The message names the parameter, never
 * its value (which may be a secret).
 */
export function checkFenceParams(params: Record<string, string>): string | null {
  for (const [name, value] of Object.entries(params)) {
    if (!PARAM_NAME_PATTERN.test(name)) return `invalid parameter name ${JSON.stringify(name)}`;
    if (RESERVED_FENCE_PARAMS.includes(name)) {
      return `parameter ${name} is set by the fencer (from the action and the host map)`;
    }
    if (typeof value !== 'string') return `value of parameter ${name} is not a string`;
    if (/[\r\n\0]/.test(value)) {
      return `value of parameter ${name} contains a line break or NUL byte`;
    }
  }
  return null;
}

/**
 * The agent's stdin for one action: `action=<action>\n`, then `plug=<plug>\n` for an action
 * about one node when the plug is not empty, then every device parameter as `key=value\n` in
 * the device's order. This is what Pacemaker's fencer writes and what fence-agents' `fencing.py`
 * reads. Refuses (as a value) what {@link checkFenceParams} refuses, and a plug with a line
 * break. The text holds secrets: it goes to the agent's stdin and nowhere else.
 */
export function buildFenceStdin(
  action: FenceAction,
  plug: string | null,
  params: FenceDevice['params'],
): { ok: true; text: string } | { ok: false; reason: string } {
  const refusal = checkFenceParams(params);
  if (refusal !== null) return { ok: false, reason: refusal };
  const lines = [`action=${action}`];
  if (plug !== null && plug !== '' && actionTargetsNode(action)) {
    if (/[\r\n\0]/.test(plug)) return { ok: false, reason: 'plug contains a line break or NUL' };
    lines.push(`plug=${plug}`);
  }
  for (const [name, value] of Object.entries(params)) lines.push(`${name}=${value}`);
  return { ok: true, text: lines.map((line) => `${line}\n`).join('') };
}
