import { SANE_PATH } from '../executor/ocf-environment.js';
import {
  runInProcessGroup,
  TIMER_DELAY_MS_MAX,
  type ProcessGroupRunResult,
} from '../executor/process-group-run.js';
import { actionTargetsNode, type FenceAction } from './fence-action.js';
import {
  fenceAnswer,
  type FenceActionResult,
  type FenceExecutionStatus,
} from './fence-action-result.js';
import { locateFenceAgent } from './fence-agent-path.js';
import type { FenceDevice } from './fence-device.js';
import {
  resolveFenceRunOptions,
  type FenceRunOptions,
  type ResolvedFenceRunOptions,
} from './fence-run-options.js';
import { buildFenceStdin } from './fence-stdin.js';
import { redactSecrets, secretValues } from './secret-params.js';

/** The variable that carries the agent's input to the wrapper shell (never to the agent). */
const INPUT_VARIABLE = 'QUORATE_FENCE_INPUT';

/**
 * The wrapper that feeds the agent its stdin: the process-group runner gives a program
 * /dev/null as stdin, so a shell (the group's leader) takes the input from its environment,
 * removes it from the environment, and pipes it into the agent. The input never appears on a
 * command line (which every user can read in /proc); the environment of the shell is readable
 * only by its owner and root, who can read the pipe as well. The agent inherits neither.
 */
const WRAPPER = `input=$${INPUT_VARIABLE}; unset ${INPUT_VARIABLE}; printf '%s' "$input" | exec "$0"`;

/**
 * Run one action of a fence device's agent: find the agent (fence-agent-path.ts), write
 * `action=`, `plug=` (the node's plug from the host map, for actions about a node) and the
 * device's parameters on its stdin (fence-stdin.ts), run it in its own process group with a
 * minimal environment (PATH, a C locale), and kill the group (TERM, then KILL after a grace)
 * when `device.timeoutMs` passes or `options.signal` aborts.
 *
 * Never rejects and never throws: an unknown plug, refused parameters, a missing agent, a
 * timeout are statuses, kept apart from the agent's exit code, and folded into an `answer`
 * (`status`: 0 on, 2 off, else failed; other actions: 0 succeeded, else failed). Secrets are
 * redacted from everything the result holds and everything logged, including the agent's own
 * output (a verbose agent may echo its command line, password included). Not serialised:
 * fence-node.ts makes sure one node is fenced by one operation at a time.
 */
export async function runFenceAction(
  device: FenceDevice,
  action: FenceAction,
  node: string | null,
  options: FenceRunOptions = {},
): Promise<FenceActionResult> {
  const resolved = resolveFenceRunOptions(options);
  const secrets = secretValues(device);
  const redact = (text: string, cut = false): string => redactSecrets(text, secrets, cut);
  const base = { device: device.id, action, node };
  const report = (result: FenceActionResult): FenceActionResult => {
    const fields = {
      device: result.device,
      agent: device.agent,
      action,
      // `target`, not `node`: the agent's logger already names the node it runs on as `node`.
      target: node,
      plug: result.plug,
      status: result.status,
      rc: result.rc,
      answer: result.answer,
      reason: result.reason,
      durationMs: Math.round(result.durationMs),
    };
    if (result.answer === 'failed') resolved.logger.warn(fields, 'fence agent run failed');
    else resolved.logger.debug(fields, 'fence agent run');
    return result;
  };

  const withoutProcess = (
    status: FenceExecutionStatus,
    reason: string,
    plug: string | null,
  ): FenceActionResult =>
    report({
      ...base,
      plug,
      status,
      rc: null,
      answer: 'failed',
      reason: redact(reason),
      stdout: '',
      stderr: '',
      outputTruncated: false,
      pid: null,
      signalsSent: [],
      durationMs: 0,
    });

  const { timeoutMs } = device;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0 && timeoutMs <= TIMER_DELAY_MS_MAX)) {
    return withoutProcess(
      'error',
      `device ${device.id}: timeoutMs must be in (0, ${TIMER_DELAY_MS_MAX}], got ${timeoutMs}`,
      null,
    );
  }
  let plug: string | null = null;
  if (actionTargetsNode(action)) {
    if (node === null) {
      return withoutProcess('error', `${action} needs a node (device ${device.id})`, null);
    }
    if (!Object.hasOwn(device.hostMap, node)) {
      return withoutProcess(
        'error',
        `device ${device.id} cannot fence node ${node}: it is not in the device's host map`,
        null,
      );
    }
    plug = device.hostMap[node] ?? '';
  }
  const stdin = buildFenceStdin(action, plug, device.params);
  if (!stdin.ok) return withoutProcess('error', `device ${device.id}: ${stdin.reason}`, plug);
  const location = await locateFenceAgent(device.agent, resolved.agentDirs);
  if (!location.ok) return withoutProcess(location.status, location.reason, plug);
  if (resolved.signal?.aborted) {
    return withoutProcess('cancelled', `${action} on device ${device.id} was cancelled`, plug);
  }

  let run;
  try {
    run = await spawnAgent(location.path, stdin.text, timeoutMs, resolved);
  } catch (error) {
    // Not expected (the runner reports every known failure as a value); a result all the same.
    return withoutProcess(
      'error',
      `${action} on device ${device.id} failed unexpectedly: ${String(error)}`,
      plug,
    );
  }

  const stdout = redact(run.stdout, run.outputTruncated);
  const stderr = redact(run.stderr, run.outputTruncated);
  const what = `${action} on device ${device.id} (${device.agent})`;
  const killed = `its process group got ${run.signalsSent.join(' then ') || 'no signal'}${
    run.exited ? '' : ', and it outlived SIGKILL'
  }`;
  let status: FenceExecutionStatus;
  let rc: number | null = null;
  let reason: string | null = null;
  switch (run.ended) {
    case 'spawn-error':
      status = 'error';
      reason = `${what} could not be started: ${run.error ?? 'unknown error'}`;
      break;
    case 'timeout':
      status = 'timeout';
      reason = `${what} timed out after ${timeoutMs} ms; ${killed}`;
      break;
    case 'cancelled':
      status = 'cancelled';
      reason = `${what} was cancelled; ${killed}`;
      break;
    case 'exit':
      if (run.exitCode === null) {
        status = 'error';
        reason = `${what} died of ${run.exitSignal ?? 'a signal'}`;
      } else if (run.exitCode === 126 || run.exitCode === 127) {
        // The shell's (or env's) "cannot execute" / "not found": the agent's interpreter
        // (python3 for the ClusterLabs agents) is missing or unusable.
        status = 'not-installed';
        reason = `${what} could not be executed (exit ${run.exitCode}): ${
          lastLine(stderr) ?? 'no output'
        }`;
      } else {
        status = 'done';
        rc = run.exitCode;
      }
      break;
  }
  const answer = fenceAnswer(action, status, rc);
  if (status === 'done' && answer === 'failed') {
    const said = lastLine(stderr) ?? lastLine(stdout);
    reason = `${what} exited with ${rc}${said === null ? '' : `: ${said}`}`;
  }
  return report({
    ...base,
    plug,
    status,
    rc,
    answer,
    reason: reason === null ? null : redact(reason),
    stdout,
    stderr,
    outputTruncated: run.outputTruncated,
    pid: run.pid,
    signalsSent: run.signalsSent,
    durationMs: run.durationMs,
  });
}

/** The last non-empty line of `text`, trimmed and cut to a sensible length, or null. */
function lastLine(text: string): string | null {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  const line = lines[lines.length - 1];
  if (line === undefined) return null;
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** Run the agent at `agentPath` through the stdin wrapper, in its own process group. */
function spawnAgent(
  agentPath: string,
  input: string,
  timeoutMs: number,
  options: ResolvedFenceRunOptions,
): Promise<ProcessGroupRunResult> {
  return runInProcessGroup('sh', ['-c', WRAPPER, agentPath], {
    env: { PATH: SANE_PATH, LANG: 'C', LC_ALL: 'C', [INPUT_VARIABLE]: input },
    timeoutMs,
    killGraceMs: options.killGraceMs,
    killWaitMs: options.killWaitMs,
    outputMaxBytes: options.outputMaxBytes,
    drainAfterExitMs: options.drainAfterExitMs,
    lingerMaxMs: options.lingerMaxMs,
    signal: options.signal,
  });
}
