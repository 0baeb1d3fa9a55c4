import {
  DEFAULT_RESOURCE_META,
  EMPTY_CLUSTER_CONFIG,
  type ClusterConfig,
} from '../../agent/src/config/model.js';
import { HOST_LINK, type NetnsCluster } from './netns-cluster.js';

/**
 * The cluster configuration of the virtual-IP scenarios (test/netns/vip-failover,
 * fenced-failover, bench/failover): one `ocf:quorate:vip` resource `vip` holding `ip`/24 on
 * each host's link, announced with `arpCount` gratuitous ARPs, monitored every second. With
 * `fencingOn`, fencing is enabled and every host of that cluster can be powered off by
 * `fence-agents/fence_netns` (found through clusterd's `--fence-agent-dir`; it verifies off
 * itself, so `verify: agent`).
 */
export function vipClusterConfig(
  ip: string,
  { arpCount = 2, fencingOn }: { arpCount?: number; fencingOn?: NetnsCluster } = {},
): ClusterConfig {
  const op = { timeoutMs: 20_000, intervalMs: 0 };
  const config: ClusterConfig = {
    ...EMPTY_CLUSTER_CONFIG,
    resources: [
      {
        id: 'vip',
        agent: { class: 'ocf', provider: 'quorate', type: 'vip' },
        params: { ip, cidr_netmask: '24', nic: HOST_LINK, arp_count: String(arpCount) },
        operations: { start: op, stop: op, monitor: { timeoutMs: 20_000, intervalMs: 1_000 } },
        meta: { ...DEFAULT_RESOURCE_META },
      },
    ],
  };
  if (fencingOn === undefined) return config;
  const cl = fencingOn;
  return {
    ...config,
    properties: { ...config.properties, fencingEnabled: true },
    fencing: {
      devices: [
        {
          id: 'netns-power',
          agent: 'fence_netns',
          params: { netns_prefix: cl.prefix },
          hostMap: Object.fromEntries(cl.hosts.map((h) => [h.name, h.ns])),
          timeoutMs: 10_000,
          verify: 'agent',
        },
      ],
      topology: {},
    },
  };
}
