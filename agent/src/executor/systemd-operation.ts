import { stat } from 'node:fs/promises';

import { SANE_PATH } from './ocf-environment.js';
import {
  OCF_ERR_GENERIC,
  OCF_ERR_INSTALLED,
  OCF_ERR_UNIMPLEMENTED,
  OCF_NOT_RUNNING,
  OCF_SUCCESS,
} from './ocf-exit-code.js';
import { resultFromRun, resultWithoutProcess } from './operation-result-builder.js';
import type { OperationRequest, OperationResult } from './operation-result.js';
import { runInProcessGroup } from './process-group-run.js';
import type { ResolvedRunOperationOptions } from './run-operation-options.js';

// systemctl's exit code for "no such unit" / "unit not loaded".
const SYSTEMCTL_NO_SUCH_UNIT = 5;

// A unit name: letters, digits and :_.@\- , not starting with a dash (it would be an option).
const UNIT_PATTERN = /^[A-Za-z0-9:_.@\\][A-Za-z0-9:_.@\\-]*$/;

/**
 * Run one action of a `systemd:<unit>` resource through systemctl, with the same result shape
 * as an OCF agent: `start` and `stop` are `systemctl start|stop` (which wait for the job),
 * `monitor` and `probe` are `systemctl is-active`, whose answer `active` (or `reloading`)
 * means running (rc 0), `inactive`, `failed` or `unknown` cleanly not running (rc 7, which a
 * recurring monitor reports as a soft failure), anything in between (`activating`,
 * `deactivating`) a generic error (rc 1: neither safely stopped nor running). Stopping a unit
 * systemd does not know succeeds (rc 7: it cannot run); starting one is rc 5 (not installed).
 * `meta-data` and `validate-all` are unimplemented (rc 3).
 *
 * Without a running systemd (no /run/systemd/system) every action is status `not-installed`
 * with that reason. A timeout kills systemctl's process group; the systemd job it queued may
 * still complete (systemd owns the unit's processes, not us).
 */
export async function runSystemdOperation(
  request: OperationRequest,
  unit: string,
  options: ResolvedRunOperationOptions,
): Promise<OperationResult> {
  if (!(await isDirectory(options.systemdRuntimeDir))) {
    return resultWithoutProcess(
      request,
      'not-installed',
      `systemd:${unit}: systemd is not running on this node (no ${options.systemdRuntimeDir})`,
    );
  }
  if (!UNIT_PATTERN.test(unit)) {
    return resultWithoutProcess(
      request,
      'error',
      `invalid systemd unit name ${JSON.stringify(unit)}`,
    );
  }
  if (request.action === 'meta-data' || request.action === 'validate-all') {
    return resultWithoutProcess(
      request,
      'done',
      `systemd resources have no ${request.action} action`,
      OCF_ERR_UNIMPLEMENTED,
    );
  }
  const verb =
    request.action === 'start' ? 'start' : request.action === 'stop' ? 'stop' : 'is-active';
  const run = await runInProcessGroup(options.systemctlPath, [verb, '--no-ask-password', unit], {
    env: { PATH: SANE_PATH, LANG: 'C', LC_ALL: 'C', SYSTEMD_PAGER: '', SYSTEMD_COLORS: '0' },
    timeoutMs: request.timeoutMs,
    killGraceMs: options.killGraceMs,
    killWaitMs: options.killWaitMs,
    outputMaxBytes: options.outputMaxBytes,
    drainAfterExitMs: options.drainAfterExitMs,
    lingerMaxMs: options.lingerMaxMs,
    signal: options.signal,
  });
  if (run.ended === 'spawn-error' && /^(ENOENT|EACCES)\b/.test(run.error ?? '')) {
    return resultWithoutProcess(request, 'not-installed', `systemd:${unit}: ${run.error}`);
  }
  const rc = run.exitCode === null ? null : translateExitCode(verb, run.exitCode, run.stdout);
  const stateWord = firstLine(run.stdout);
  const fallback =
    verb === 'is-active'
      ? `systemd:${unit} is ${stateWord || 'in an unknown state'}`
      : `systemctl ${verb} ${unit} failed with ${run.exitCode}${lastLine(run.stderr) ? `: ${lastLine(run.stderr)}` : ''}`;
  return resultFromRun(request, run, rc, fallback);
}

function translateExitCode(
  verb: 'start' | 'stop' | 'is-active',
  code: number,
  stdout: string,
): number {
  switch (verb) {
    case 'start':
      if (code === 0) return OCF_SUCCESS;
      return code === SYSTEMCTL_NO_SUCH_UNIT ? OCF_ERR_INSTALLED : OCF_ERR_GENERIC;
    case 'stop':
      if (code === 0) return OCF_SUCCESS;
      return code === SYSTEMCTL_NO_SUCH_UNIT ? OCF_NOT_RUNNING : OCF_ERR_GENERIC;
    case 'is-active':
      switch (firstLine(stdout)) {
        case 'active':
        case 'reloading':
        case 'refreshing':
          return OCF_SUCCESS;
        case 'inactive':
        case 'failed':
        case 'unknown':
        case 'dead':
          return OCF_NOT_RUNNING;
        case '':
          // Nothing printed: trust the exit code alone (0 is only ever "active").
          return code === 0 ? OCF_SUCCESS : OCF_ERR_GENERIC;
        default:
          return OCF_ERR_GENERIC;
      }
  }
}

function firstLine(text: string): string {
  return (text.split('\n', 1)[0] ?? '').trim();
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  return (lines.at(-1) ?? '').slice(0, 256);
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}
