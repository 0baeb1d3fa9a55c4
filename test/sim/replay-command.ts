import { DEFAULT_SIM_OPTIONS, type SimOptions } from './sim-params.js';

/**
 * The line that tells how to replay a failing seed. With the default options it is exactly
 * `reproduce with: npm run sim -- --seed S --trace`; non-default options are appended, since
 * a seed replays bit-for-bit only under the options it ran with.
 */
export function replayCommand(seed: number, options: SimOptions): string {
  const extra: string[] = [];
  if (options.membership !== DEFAULT_SIM_OPTIONS.membership) {
    extra.push(`--membership ${options.membership}`);
  }
  if (options.leaseReads !== DEFAULT_SIM_OPTIONS.leaseReads) extra.push('--lease-reads');
  if (options.faultPhaseMsMax !== DEFAULT_SIM_OPTIONS.faultPhaseMsMax) {
    extra.push(`--fault-ms-max ${options.faultPhaseMsMax}`);
  }
  if (options.maxEvents !== DEFAULT_SIM_OPTIONS.maxEvents) {
    extra.push(`--max-events ${options.maxEvents}`);
  }
  return `reproduce with: npm run sim -- --seed ${seed} --trace${extra.map((e) => ` ${e}`).join('')}`;
}
