import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';

import { resolveOcfAgentPath } from './agent-path.js';
import { buildOcfEnvironment, ocfActionName } from './ocf-environment.js';
import { resultFromRun, resultWithoutProcess } from './operation-result-builder.js';
import type { OperationRequest, OperationResult } from './operation-result.js';
import { runInProcessGroup } from './process-group-run.js';
import type { ResolvedRunOperationOptions } from './run-operation-options.js';

/**
 * Run one action of an OCF agent (`ocf:<provider>:<type>`): find the agent file, build its
 * environment from nothing (ocf-environment.ts), run it as `<agent> <action>` in its own
 * process group, bounded by the request's timeout (process-group-run.ts), and fold how it
 * ended and its exit code into a result. A missing or non-executable agent is status
 * `not-installed`, decided before anything is run.
 */
export async function runOcfOperation(
  request: OperationRequest,
  provider: string,
  type: string,
  options: ResolvedRunOperationOptions,
): Promise<OperationResult> {
  const resolved = resolveOcfAgentPath(provider, type, options);
  if (!resolved.ok) return resultWithoutProcess(request, 'not-installed', resolved.reason);
  const agentPath = resolved.path;
  const agentName = `ocf:${provider}:${type}`;
  try {
    const info = await stat(agentPath);
    if (!info.isFile()) {
      return resultWithoutProcess(
        request,
        'not-installed',
        `${agentName}: ${agentPath} is not a file`,
      );
    }
    await access(agentPath, constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' || code === 'ENOTDIR'
        ? `not found at ${agentPath}`
        : code === 'EACCES'
          ? `${agentPath} is not executable`
          : `${agentPath} is not usable (${code ?? String(error)})`;
    return resultWithoutProcess(request, 'not-installed', `${agentName}: ${why}`);
  }
  const env = buildOcfEnvironment({
    ocfRoot: options.ocfRoot,
    resourceId: request.resource.id,
    provider,
    type,
    params: request.resource.params,
    action: request.action,
    timeoutMs: request.timeoutMs,
    intervalMs: request.intervalMs,
    nodeName: options.nodeName,
    extraEnv: options.extraEnv,
  });
  if (!env.ok) {
    return resultWithoutProcess(
      request,
      'error',
      `${agentName} for ${request.resource.id}: ${env.reason}`,
    );
  }
  const run = await runInProcessGroup(agentPath, [ocfActionName(request.action)], {
    env: env.env,
    timeoutMs: request.timeoutMs,
    killGraceMs: options.killGraceMs,
    killWaitMs: options.killWaitMs,
    outputMaxBytes: options.outputMaxBytes,
    drainAfterExitMs: options.drainAfterExitMs,
    lingerMaxMs: options.lingerMaxMs,
    signal: options.signal,
  });
  if (run.ended === 'spawn-error' && /^(ENOENT|EACCES|ENOEXEC)\b/.test(run.error ?? '')) {
    // Removed or broken between the check and the launch: still "not installed".
    return resultWithoutProcess(request, 'not-installed', `${agentName}: ${run.error}`);
  }
  return resultFromRun(request, run, run.exitCode, null);
}
