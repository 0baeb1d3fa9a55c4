#!/usr/bin/env node
/**
 * clusterd: the per-host agent. Wiring only: parse options, open storage, start the Raft
 * transport and driver, and (when started by a harness with an IPC channel) answer control
 * requests. Everything with behaviour lives in the modules it wires.
 */
import { randomInt } from 'node:crypto';
import { Command, InvalidArgumentError, Option } from 'commander';
import { pino } from 'pino';
import { DEFAULT_RAFT_CONFIG } from './raft/config.js';
import { seededRandom } from './raft/prng.js';
import { RaftDriver } from './raft/driver/raft-driver.js';
import { DiskStorage } from './raft/storage/disk-storage.js';
import { GrpcTransport } from './transport/grpc-transport.js';
import { ClusterState } from './state/cluster-state.js';
import { serveControlChannel } from './control-channel.js';
import { createOperationExecutor } from './executor/operation-executor.js';
import { ResourceManager } from './executor/resource-manager.js';
import {
  checkLeaseTiming,
  DEFAULT_LEASE_TIMING,
  type LeaseTiming,
} from './liveness/lease-timing.js';
import { livenessService } from './node/lease-rpc.js';
import { NodeAgent } from './node/node-agent.js';
import { GuardLink } from './guard/guard-link.js';
import { join } from 'node:path';

import { Fencer } from './fencing/fencer.js';
import type { AddressBook, AdminContext } from './api/admin-context.js';
import { adminService } from './api/admin-service.js';
import { agentSecurity } from './security/agent-security.js';
import { ALERT_KINDS, type AlertKind } from './observability/alert-event.js';
import {
  startObservability,
  type AgentObservability,
} from './observability/agent-observability.js';
import { insecureFromEnv } from './security/insecure-flag.js';
import { DEFAULT_TLS_DIR } from './security/tls-files.js';

/** Bound on stopping this node's resources on SIGTERM before the agent exits anyway. */
const SHUTDOWN_STOP_MS = 60_000;

const program = new Command()
  .name('clusterd')
  .description('Quorate agent: joins the Raft quorum of its cluster and runs what it is given.')
  .requiredOption('--id <name>', "this node's name, unique in the cluster (e.g. node1)")
  .requiredOption('--listen <host:port>', 'address for agent-to-agent traffic')
  .requiredOption('--data-dir <dir>', 'where the Raft log and snapshots live')
  .option('--cluster-id <id>', 'cluster name; agents of another cluster are refused', 'quorate')
  .option('--peer <id=host:port>', "a peer's address (repeat per peer)", collectPeer, {})
  .option('--founders <ids>', 'comma-separated founding voters, on first start of a new cluster')
  .option('--tick-ms <ms>', 'length of one Raft tick', positiveInt, 50)
  .option(
    '--election-ticks <n>',
    'election timeout in ticks (randomised up to twice this): how soon a lost leader is replaced',
    positiveInt,
    6,
  )
  .option(
    '--snapshot-every <entries>',
    'compact the log after this many applied entries',
    positiveInt,
    10_000,
  )
  .addOption(
    new Option('--ocf-root <dir>', 'where OCF resource agents live (resource.d/<provider>/<type>)')
      .env('QUORATE_OCF_ROOT')
      .default('/usr/lib/ocf'),
  )
  .addOption(
    new Option('--tls-dir <dir>', 'node.crt, node.key and ca.crt (clusterctl init / join)')
      .env('QUORATE_TLS_DIR')
      .default(DEFAULT_TLS_DIR),
  )
  .option('--insecure', 'plaintext, no authentication: development only (or QUORATE_INSECURE=1)')
  .option('--metrics-listen <host:port>', 'serve Prometheus metrics at http://host:port/metrics')
  .option('--alert <script>', 'run this script on cluster events (repeat per script)', collect, [])
  .option(
    '--alert-kinds <kinds>',
    `comma-separated event kinds to alert on (${ALERT_KINDS.join(', ')})`,
    alertKinds,
  )
  .option(
    '--alert-timeout-ms <ms>',
    'kill an alert script running longer than this',
    positiveInt,
    30_000,
  )
  .option(
    '--fence-agent-dir <dir>',
    'where fence agents named by bare name are looked up (repeat; default /usr/sbin, then fence-agents/)',
    (dir: string, previous: string[]) => [...previous, dir],
    [] as string[],
  )
  .option(
    '--suspect-fence-delay-ms <ms>',
    'with fencing on, how long a node may be silent before the leader fences it',
    positiveInt,
  )
  .option(
    '--lease-ms <ms>',
    'node lease length: a node cut off stops its resources before this runs out (docs/safety.md)',
    positiveInt,
    DEFAULT_LEASE_TIMING.leaseMs,
  )
  .option(
    '--stop-budget-ms <ms>',
    'how long before its lease ends a cut-off node begins stopping: at least the time your resources take to stop',
    positiveInt,
    DEFAULT_LEASE_TIMING.stopBudgetMs,
  )
  .option(
    '--renew-interval-ms <ms>',
    'how often a node asks every voter to renew its lease',
    positiveInt,
    DEFAULT_LEASE_TIMING.renewIntervalMs,
  )
  .option(
    '--renew-timeout-ms <ms>',
    'how long a renewal request waits for its answers (a later answer renews nothing)',
    positiveInt,
    DEFAULT_LEASE_TIMING.renewTimeoutMs,
  )
  .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
  .addHelpText(
    'after',
    '\nExample (first node of a three-node cluster):\n' +
      '  clusterd --id node1 --listen 198.18.0.1:7400 --data-dir /var/lib/quorate \\\n' +
      '    --peer node2=198.18.0.2:7400 --peer node3=198.18.0.3:7400 --founders node1,node2,node3',
  );

function collectPeer(value: string, previous: Record<string, string>): Record<string, string> {
  const m = /^([^=]+)=(.+:\d+)$/.exec(value);
  if (m === null)
    throw new InvalidArgumentError('expected id=host:port, e.g. node2=198.18.0.2:7400');
  return { ...previous, [m[1]!]: m[2]! };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function alertKinds(value: string): AlertKind[] {
  const kinds = value.split(',').map((k) => k.trim());
  const unknown = kinds.filter((k) => !(ALERT_KINDS as readonly string[]).includes(k));
  if (unknown.length > 0)
    throw new InvalidArgumentError(
      `unknown kind ${unknown.join(', ')}; known: ${ALERT_KINDS.join(', ')}`,
    );
  return kinds as AlertKind[];
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

async function main(): Promise<void> {
  program.parse();
  const opts = program.opts<{
    id: string;
    listen: string;
    dataDir: string;
    clusterId: string;
    peer: Record<string, string>;
    founders?: string;
    tickMs: number;
    electionTicks: number;
    snapshotEvery: number;
    ocfRoot: string;
    fenceAgentDir: string[];
    suspectFenceDelayMs?: number;
    tlsDir: string;
    insecure?: boolean;
    metricsListen?: string;
    alert: string[];
    alertKinds?: AlertKind[];
    alertTimeoutMs: number;
    logLevel: string;
    leaseMs: number;
    stopBudgetMs: number;
    renewIntervalMs: number;
    renewTimeoutMs: number;
  }>();
  const timing: LeaseTiming = {
    ...DEFAULT_LEASE_TIMING,
    leaseMs: opts.leaseMs,
    stopBudgetMs: opts.stopBudgetMs,
    renewIntervalMs: opts.renewIntervalMs,
    renewTimeoutMs: opts.renewTimeoutMs,
  };
  const timingProblems = checkLeaseTiming(timing);
  if (timingProblems.length > 0)
    throw new Error(
      `--lease-ms ${timing.leaseMs}, --stop-budget-ms ${timing.stopBudgetMs}, --renew-interval-ms ${timing.renewIntervalMs}, --renew-timeout-ms ${timing.renewTimeoutMs}: ${timingProblems.join('; ')}`,
    );
  const logger = pino({ level: opts.logLevel, base: { node: opts.id } });
  // Node's process warnings (deprecations, ...) as JSON lines too, not free text on stderr.
  process.removeAllListeners('warning');
  process.on('warning', (w) =>
    logger.warn({ warning: w.name, text: w.message }, 'process warning'),
  );
  const security = agentSecurity({
    nodeId: opts.id,
    clusterId: opts.clusterId,
    tlsDir: opts.tlsDir,
    insecure: opts.insecure === true || insecureFromEnv(),
    logger: logger.child({ component: 'security' }),
    nowMs: () => Date.now(),
  });
  const storage = DiskStorage.open(opts.dataDir);
  // The node agent serves lease renewals on the transport's port; it exists only once the
  // driver does, so the service handler binds late.
  let agent: NodeAgent | null = null;
  const state = new ClusterState();
  // One address book for the transport, the node agent's lease client and the admin API: a
  // member added at run time (clusterctl member add) is dialled by all three.
  const peerAddresses = opts.peer;
  const addresses: AddressBook = {
    get: (node) => (node === opts.id ? opts.listen : peerAddresses[node]),
    set: (node, address) => {
      if (node === opts.id) return;
      peerAddresses[node] = address;
      transport.setPeer(node, address);
    },
  };
  // The admin API (clusterctl) on the same port; its handlers reach the driver only when
  // called, by which time it exists (the transport starts inside driver.start()).
  const adminContext: AdminContext = {
    id: opts.id,
    clusterId: opts.clusterId,
    get driver() {
      return driver;
    },
    state,
    livenessView: () => agent?.livenessView() ?? null,
    addresses,
    channelCredentials: security.channelCredentials,
    channelOptions: security.channelOptions,
    nowMs: () => Date.now(),
    requestTimeoutMs: 5000,
  };
  const admin = adminService(adminContext, logger.child({ component: 'admin' }));
  const transport = new GrpcTransport({
    id: opts.id,
    clusterId: opts.clusterId,
    listenAddress: opts.listen,
    peers: opts.peer,
    serverCredentials: security.serverCredentials,
    channelCredentials: security.channelCredentials,
    channelOptions: security.channelOptions,
    logger: logger.child({ component: 'transport' }),
    extraServices: [
      ...security.extraServices,
      livenessService({
        renew: (req) =>
          agent?.handleRenew(req) ?? {
            granted: false,
            reason: 'starting',
            leader: '',
            term: 0,
            commitIndex: 0,
            leaderGrant: false,
          },
        // Not started yet: nothing was renewed by this process, but an earlier one may have
        // renewed: say no, the leader asks again.
        revoke: (req) =>
          agent?.handleRevoke(req) ?? { revoked: false, holdMs: 0, remainingMs: 100, reason: '' },
      }),
      admin,
    ],
  });
  const driver = new RaftDriver({
    raft: {
      ...DEFAULT_RAFT_CONFIG,
      id: opts.id,
      electionTicks: opts.electionTicks,
      random: seededRandom(randomInt(2 ** 31)),
    },
    storage,
    transport,
    // The node agent acts at once on a placement change, a node-down or a new observation (a
    // failover's next step), rather than at its next round.
    stateMachine: {
      apply: (index, command) => {
        const result = state.apply(index, command);
        const type = state.lastAppliedType;
        if (type === 'set-placement' || type === 'node-down' || type === 'record-state')
          agent?.soon();
        return result;
      },
      snapshot: () => state.snapshot(),
      restore: (data) => state.restore(data),
    },
    founders: opts.founders === undefined ? null : opts.founders.split(','),
    tickMs: opts.tickMs,
    snapshotEveryEntries: opts.snapshotEvery,
    requestTimeoutMs: 5000,
    logger: logger.child({ component: 'raft' }),
  });
  const manager = new ResourceManager({
    execute: createOperationExecutor({ nodeName: opts.id, ocfRoot: opts.ocfRoot }),
    report: (r) => {
      agent?.recordOperation(r);
      observability?.onOperation(r);
    },
  });
  // The lease guard keeps this node's promise (stop everything before the lease ends) when
  // this process cannot: killed, crashed or paused. See agent/src/guard/lease-guard.ts.
  const guard = new GuardLink({
    socketPath: join(opts.dataDir, 'guard.sock'),
    node: opts.id,
    ocfRoot: opts.ocfRoot,
    stopBudgetMs: timing.stopBudgetMs,
    renewIntervalMs: timing.renewIntervalMs,
    startTimeoutMs: 5000,
    logger: logger.child({ component: 'guard-link' }),
  });
  const inheritance = await guard.open();
  agent = new NodeAgent({
    id: opts.id,
    clusterId: opts.clusterId,
    driver,
    state,
    manager,
    timing,
    peers: peerAddresses,
    channelCredentials: security.channelCredentials,
    channelOptions: security.channelOptions,
    logger: logger.child({ component: 'node' }),
    loopIntervalMs: 50,
    guard,
    // Devices come from the applied configuration (NodeAgent reconfigures it per request);
    // secrets reach fence agents on stdin only.
    fencer: new Fencer({
      topology: {},
      devices: [],
      fence: opts.fenceAgentDir.length > 0 ? { agentDirs: opts.fenceAgentDir } : {},
      logger: logger.child({ component: 'fencer' }),
    }),
    ...(opts.suspectFenceDelayMs !== undefined
      ? { suspectFenceDelayMs: opts.suspectFenceDelayMs }
      : {}),
  });
  let observability: AgentObservability | null = null;
  await driver.start();
  observability = await startObservability({
    nodeId: opts.id,
    clusterId: opts.clusterId,
    metricsListen: opts.metricsListen ?? null,
    alertScripts: opts.alert,
    alertKinds: opts.alertKinds,
    alertTimeoutMs: opts.alertTimeoutMs,
    source: { raftStatus: () => driver.status(), state: () => state.state },
    logger: logger.child({ component: 'events' }),
    pollIntervalMs: 100,
  });
  agent.start(inheritance);
  logger.info(
    {
      listen: opts.listen,
      peers: opts.peer,
      security: security.mode,
      metrics: observability.metricsAddress,
      alerts: opts.alert,
    },
    'clusterd started',
  );
  serveControlChannel(driver, state, agent);

  // Stopping on purpose: hand leadership over, stop everything this node runs while still
  // renewing its lease (NodeAgent.leave), then exit; the leader moves what ran here once the
  // lease has surely ended.
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'clusterd stopping');
    const st = driver.status();
    const successor = st.confState.voters.find((v) => v !== opts.id);
    if (st.role === 'leader' && successor !== undefined) driver.transferLeadership(successor);
    void (async () => {
      const left = await agent?.leave(SHUTDOWN_STOP_MS);
      if (left !== undefined && !left.ok)
        logger.error({ stopFailed: left.stopFailed }, 'resources may still run on this node');
      agent?.stop();
      admin.close();
      await Promise.all([driver.stop(), manager.close(), observability?.close()]);
      process.exit(0);
    })();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(`clusterd: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
