import { DEFAULT_CLUSTER_SIM_OPTIONS, type ClusterSimOptions } from './cluster-params.js';

/**
 * The line that tells how to replay a failing seed of the whole-cluster simulation. With the
 * default options it is exactly `reproduce with: npm run sim:cluster -- --seed S --trace`;
 * non-default options are appended, since a seed replays bit-for-bit only under the options
 * it ran with.
 */
export function clusterReplayCommand(seed: number, options: ClusterSimOptions): string {
  const extra: string[] = [];
  if (options.fencing !== DEFAULT_CLUSTER_SIM_OPTIONS.fencing)
    extra.push(`--fencing ${options.fencing}`);
  if (options.faultPhaseMaxMs !== DEFAULT_CLUSTER_SIM_OPTIONS.faultPhaseMaxMs) {
    extra.push(`--fault-ms-max ${options.faultPhaseMaxMs}`);
  }
  if (options.maxEvents !== DEFAULT_CLUSTER_SIM_OPTIONS.maxEvents) {
    extra.push(`--max-events ${options.maxEvents}`);
  }
  if (!options.watchdog) extra.push('--no-watchdog');
  return `reproduce with: npm run sim:cluster -- --seed ${seed} --trace${extra.map((e) => ` ${e}`).join('')}`;
}
