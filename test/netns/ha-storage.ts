// The HA storage example (examples/ha-storage/) on a netns cluster: a virtual IP, the shared
// ext4 disk and nginx serving it over WebDAV, as one group. Used by the fault-scenario tests,
// the failover benchmark and the demo, so all three run exactly the example a user reads.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installExampleFile, loadExample } from './examples.js';
import type { ReadbackConfig, ReadbackReport } from './client-readback.js';
import { NetnsCluster, QUORATE_AGENTS, type ClusterOptions } from './netns-cluster.js';
import type { ClientProbe } from './probe.js';
import { pollUntil } from './sys.js';

const READBACK_SCRIPT = fileURLToPath(new URL('./client-readback.js', import.meta.url));

/** The example's group and its members, in start order. */
export const STORAGE_GROUP = 'storage';
export const STORAGE_MEMBERS = ['storage-vip', 'storage-fs', 'storage-web'] as const;

/**
 * The lease timing the example's README gives clusterd: a cut-off node must stop nginx,
 * unmount and drop the address within its stop budget, which takes longer than the default
 * budget (300 ms, enough for an address alone) on a busy host.
 */
export const HA_STORAGE_AGENT_ARGS = ['--lease-ms', '1500', '--stop-budget-ms', '1000'];

/**
 * Options for a cluster that can run the example: the project's agents as provider `quorate`,
 * the README's lease timing, and the shared disk formatted as the README says (label
 * `storage`, root directory owned by www-data so nginx's workers can write).
 */
export function haStorageClusterOptions(opts: ClusterOptions = {}): ClusterOptions {
  return {
    ...opts,
    agentArgs: opts.agentArgs ?? HA_STORAGE_AGENT_ARGS,
    ocfProviders: { quorate: QUORATE_AGENTS, ...opts.ocfProviders },
    mkfsArgs: ['-L', 'storage', '-E', 'root_owner=33:33'],
  };
}

/** Who serves: the one host holding the address, the mount, and answering HTTP; or why not. */
export interface ServingState {
  host: string | undefined;
  why: string;
}

/** The example applied to a cluster, with the client-side checks users would make. */
export class HaStorage {
  /** The virtual IP clients use. */
  readonly vip: string;
  /** Base URL through the virtual IP (ends with '/'). */
  readonly url: string;
  private readbacks = 0;

  private constructor(readonly cl: NetnsCluster) {
    this.vip = cl.vip(0);
    this.url = `http://${this.vip}/`;
  }

  /**
   * Apply the example (through the current leader) and wait until one host serves it, at most
   * `timeoutMs`. Throws with what was seen when it does not come up.
   */
  static async apply(cl: NetnsCluster, timeoutMs = 60_000): Promise<HaStorage> {
    const s = new HaStorage(cl);
    const nginxConf = installExampleFile(
      'ha-storage',
      'nginx.conf',
      { '/srv/storage': cl.mountPoint },
      join(cl.runDir, 'nginx.conf'),
    );
    const config = loadExample('ha-storage', {
      '198.18.0.200': s.vip,
      '/dev/disk/by-label/storage': cl.device,
      '/srv/storage': cl.mountPoint,
      '/etc/quorate/ha-storage/nginx.conf': nginxConf,
    });
    const { leader } = await cl.waitForLeader();
    await cl.host(leader).agent.propose({
      type: 'apply-config',
      config,
      fingerprint: 'examples/ha-storage',
      atMs: Date.now(),
    });
    const up = await s.waitServing(timeoutMs);
    if (up.host === undefined) throw new Error(`the HA storage example did not come up: ${up.why}`);
    return s;
  }

  /**
   * The serving state now: exactly one host holds the address and the mount, and a GET from
   * the client through the address answers 200.
   */
  serving(): ServingState {
    const vipHolders = this.cl.whoHolds(this.vip);
    const mounters = this.cl.whoMounts(this.cl.device);
    if (vipHolders.length !== 1) return { host: undefined, why: `address on [${vipHolders}]` };
    if (mounters.length !== 1 || mounters[0] !== vipHolders[0])
      return { host: undefined, why: `address on ${vipHolders[0]}, disk on [${mounters}]` };
    const r = this.cl.runClient(
      ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '1', this.url],
      { timeoutMs: 3_000 },
    );
    if (r.stdout !== '200')
      return { host: undefined, why: `GET ${this.url}: ${r.stdout || r.stderr}` };
    return { host: vipHolders[0], why: '' };
  }

  /** Poll {@link serving} until a host serves (other than `notOn`, if given), at most `timeoutMs`. */
  async waitServing(timeoutMs: number, notOn?: string): Promise<ServingState> {
    let last: ServingState = { host: undefined, why: 'not checked yet' };
    const found = await pollUntil(timeoutMs, 50, () => {
      last = this.serving();
      if (last.host !== undefined && last.host === notOn)
        last = { host: undefined, why: `still on ${notOn}` };
      return last.host;
    });
    return found === undefined ? last : { host: found, why: '' };
  }

  /** A writer: a new file PUT through the address every `intervalMs` (20), from the client. */
  writer(prefix: string, intervalMs = 20, maxMs = 180_000): Promise<ClientProbe> {
    return this.cl.probe(this.url, { intervalMs, maxMs, putPrefix: prefix, timeoutMs: 1_000 });
  }

  /** Read every name back through the address from the client; each body must be its name. */
  readback(names: string[]): ReadbackReport {
    const namesFile = join(this.cl.runDir, `readback-${++this.readbacks}.json`);
    writeFileSync(namesFile, JSON.stringify(names));
    const cfg: ReadbackConfig = { base: this.url, namesFile };
    const r = this.cl.runClient([process.execPath, READBACK_SCRIPT, JSON.stringify(cfg)], {
      timeoutMs: 120_000,
    });
    if (r.status !== 0) throw new Error(`read-back failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as ReadbackReport;
  }
}
