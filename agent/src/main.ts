#!/usr/bin/env node
/**
 * clusterd: the per-host agent. Wiring only: parse options, open storage, start the Raft
 * transport and driver, and (when started by a harness with an IPC channel) answer control
 * requests. Everything with behaviour lives in the modules it wires.
 */
import { randomInt } from 'node:crypto';
import { Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { DEFAULT_RAFT_CONFIG } from './raft/config.js';
import { seededRandom } from './raft/prng.js';
import { RaftDriver } from './raft/driver/raft-driver.js';
import { DiskStorage } from './raft/storage/disk-storage.js';
import * as grpc from '@grpc/grpc-js';
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
    'election timeout in ticks (randomised up to twice this)',
    positiveInt,
    10,
  )
  .option(
    '--snapshot-every <entries>',
    'compact the log after this many applied entries',
    positiveInt,
    10_000,
  )
  .option(
    '--ocf-root <dir>',
    'where OCF resource agents live (resource.d/<provider>/<type>)',
    '/usr/lib/ocf',
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
    'how often a node renews its lease with the leader',
    positiveInt,
    DEFAULT_LEASE_TIMING.renewIntervalMs,
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
    logLevel: string;
    leaseMs: number;
    stopBudgetMs: number;
    renewIntervalMs: number;
  }>();
  const timing: LeaseTiming = {
    ...DEFAULT_LEASE_TIMING,
    leaseMs: opts.leaseMs,
    stopBudgetMs: opts.stopBudgetMs,
    renewIntervalMs: opts.renewIntervalMs,
  };
  const timingProblems = checkLeaseTiming(timing);
  if (timingProblems.length > 0)
    throw new Error(
      `--lease-ms ${timing.leaseMs}, --stop-budget-ms ${timing.stopBudgetMs}, --renew-interval-ms ${timing.renewIntervalMs}: ${timingProblems.join('; ')}`,
    );
  const logger = pino({ level: opts.logLevel, base: { node: opts.id } });
  const storage = DiskStorage.open(opts.dataDir);
  // The node agent serves lease renewals on the transport's port; it exists only once the
  // driver does, so the service handler binds late.
  let agent: NodeAgent | null = null;
  const transport = new GrpcTransport({
    id: opts.id,
    clusterId: opts.clusterId,
    listenAddress: opts.listen,
    peers: opts.peer,
    logger: logger.child({ component: 'transport' }),
    extraServices: [
      livenessService(
        (req) =>
          agent?.handleRenew(req) ?? {
            granted: false,
            reason: 'starting',
            leader: '',
            term: 0,
            commitIndex: 0,
          },
      ),
    ],
  });
  const state = new ClusterState();
  const driver = new RaftDriver({
    raft: {
      ...DEFAULT_RAFT_CONFIG,
      id: opts.id,
      electionTicks: opts.electionTicks,
      random: seededRandom(randomInt(2 ** 31)),
    },
    storage,
    transport,
    stateMachine: state,
    founders: opts.founders === undefined ? null : opts.founders.split(','),
    tickMs: opts.tickMs,
    snapshotEveryEntries: opts.snapshotEvery,
    requestTimeoutMs: 5000,
    logger: logger.child({ component: 'raft' }),
  });
  const manager = new ResourceManager({
    execute: createOperationExecutor({ nodeName: opts.id, ocfRoot: opts.ocfRoot }),
    report: (r) => agent?.recordOperation(r),
  });
  agent = new NodeAgent({
    id: opts.id,
    clusterId: opts.clusterId,
    driver,
    state,
    manager,
    timing,
    peers: opts.peer,
    channelCredentials: grpc.credentials.createInsecure(),
    logger: logger.child({ component: 'node' }),
    loopIntervalMs: 50,
  });
  await driver.start();
  agent.start();
  logger.info({ listen: opts.listen, peers: opts.peer }, 'clusterd started');
  serveControlChannel(driver, state, agent);

  // A graceful stop stops this node's resources first (see NodeAgent.shutdown): a node that
  // left them running would have them started elsewhere once its lease ran out.
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'clusterd stopping');
    void (agent?.shutdown(SHUTDOWN_STOP_MS) ?? Promise.resolve())
      .then((r) => {
        if (r !== undefined && !r.ok)
          logger.error({ stopFailed: r.stopFailed }, 'resources may still run on this node');
      })
      .finally(
        () => void Promise.all([driver.stop(), manager.close()]).then(() => process.exit(0)),
      );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(`clusterd: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
