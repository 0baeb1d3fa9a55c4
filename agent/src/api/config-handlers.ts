import { configFingerprint } from '../config/config-fingerprint.js';
import { loadConfig, type LoadConfigResult } from '../config/load-config.js';
import type { AdminContext } from './admin-context.js';
import type { ApplyReply, ApplyRequest, ValidateReply, ValidateRequest } from './admin-messages.js';
import type { AdminPeers } from './admin-peers.js';
import { okResult, refuse, type ApiResult } from './api-result.js';
import { proposeCommand } from './cluster-writes.js';
import { configErrorView } from './config-error-view.js';
import { leaderWrite } from './leader-access.js';
import { leaderPlan, planView } from './leader-plan.js';

/** Largest configuration file accepted (far above any real one; bounds the parser's work). */
export const CONFIG_BYTES_MAX = 4 * 1024 * 1024;

/** The name errors carry when the caller gave none. */
const DEFAULT_FILE_NAME = 'cluster.yaml';

/** Parse and validate, or refuse a file too large to be a configuration. */
function load(yaml: string, fileName: string): ApiResult<LoadConfigResult> {
  const bytes = Buffer.byteLength(yaml, 'utf8');
  if (bytes > CONFIG_BYTES_MAX)
    return refuse(
      'invalid-argument',
      `${fileName || DEFAULT_FILE_NAME} is ${bytes} bytes; a configuration may have at most ${CONFIG_BYTES_MAX}`,
    );
  return okResult(loadConfig(yaml, fileName || DEFAULT_FILE_NAME));
}

/**
 * `Validate`: check a file with this agent's loader, change nothing. An invalid file is an
 * ordinary answer (`ok: false` with every error, each with file, line and column), not a
 * refusal: the caller asked whether it is valid.
 */
export async function handleValidate(req: ValidateRequest): Promise<ApiResult<ValidateReply>> {
  const loaded = load(req.yaml, req.fileName);
  if (!loaded.ok) return loaded;
  const result = loaded.value;
  if (!result.ok) {
    return okResult({
      ok: false,
      errors: result.errors.map(configErrorView),
      fingerprint: '',
      resources: 0,
      groups: 0,
      clones: 0,
      constraints: 0,
    });
  }
  const c = result.config;
  return okResult({
    ok: true,
    errors: [],
    fingerprint: configFingerprint(c),
    resources: c.resources.length,
    groups: c.groups.length,
    clones: c.clones.length,
    constraints: c.locations.length + c.colocations.length + c.orders.length,
  });
}

/**
 * `Apply`, on the leader (it holds the lease verdicts the plan needs). Validates; an invalid
 * file is answered `ok: false` with its errors and nothing changes. Otherwise computes the
 * plan the scheduler would carry out from the current state with the new configuration;
 * with `dry_run` that is the answer. Else proposes `apply-config` — unless the configuration
 * in force has the same fingerprint, which is reported as `unchanged` without a write.
 */
export function handleApply(
  ctx: AdminContext,
  peers: AdminPeers,
  req: ApplyRequest,
  relayed: boolean,
): Promise<ApiResult<ApplyReply>> {
  return leaderWrite(ctx, peers, 'Apply', req, relayed, async () => {
    const loaded = load(req.yaml, req.fileName);
    if (!loaded.ok) return loaded;
    const result = loaded.value;
    const doc = ctx.state.state;
    if (!result.ok) {
      return okResult({
        ok: false,
        errors: result.errors.map(configErrorView),
        unchanged: false,
        dryRun: req.dryRun,
        fingerprint: '',
        configVersion: doc.configVersion,
        plan: null,
      });
    }
    const fingerprint = configFingerprint(result.config);
    const unchanged = doc.configVersion > 0 && doc.configFingerprint === fingerprint;
    const plan = planView(leaderPlan(ctx, { ...doc, config: result.config }));
    const reply: ApplyReply = {
      ok: true,
      errors: [],
      unchanged,
      dryRun: req.dryRun,
      fingerprint,
      configVersion: doc.configVersion,
      plan,
    };
    if (req.dryRun || unchanged) return okResult(reply);
    const written = await proposeCommand(ctx, peers, {
      type: 'apply-config',
      config: result.config,
      fingerprint,
      atMs: ctx.nowMs(),
    });
    if (!written.ok) return written;
    return okResult({ ...reply, configVersion: ctx.state.state.configVersion });
  });
}
