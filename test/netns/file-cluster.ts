import test, { type SerialFn, type SkipFn } from 'ava';
import { NetnsCluster, type ClusterOptions } from './netns-cluster.js';
import { harnessUnavailable } from './sys.js';

/** One netns cluster shared by the tests of a file: see {@link clusterForFile}. */
export interface FileCluster {
  /** Registers a test: `test.serial` where the harness can run, else `test.skip`. */
  hostTest: SerialFn | SkipFn;
  /** To append to every title: empty, or ` [skipped: <why the harness cannot run here>]`. */
  note: string;
  /** The cluster; throws in a test when its creation failed (the hook's error says why). */
  cluster: () => NetnsCluster;
}

/**
 * One cluster for a whole test file, whose tests run one after the other on it: created with
 * `opts` before the first test (then, with `waitForLeader`, until its agents agree on a
 * leader), destroyed after the last even when a test fails. Where the harness cannot run
 * (not root, tools missing) nothing is created and the tests register as skipped with the
 * reason, instead of failing. Call once, at the top of the test file.
 */
export function clusterForFile(
  opts: ClusterOptions,
  { waitForLeader = false }: { waitForLeader?: boolean } = {},
): FileCluster {
  const skip = harnessUnavailable();
  let cluster: NetnsCluster | undefined;
  if (skip === undefined) {
    test.before(async () => {
      cluster = await NetnsCluster.create(opts);
      if (waitForLeader) await cluster.waitForLeader();
    });
    test.after.always(async () => {
      await cluster?.destroy();
    });
  }
  return {
    hostTest: skip === undefined ? test.serial : test.skip,
    note: skip === undefined ? '' : ` [skipped: ${skip}]`,
    cluster: () => {
      if (cluster === undefined) throw new Error('no cluster (creation failed)');
      return cluster;
    },
  };
}
