import type { NodeAgent } from './node/node-agent.js';
import type { RaftDriver } from './raft/driver/raft-driver.js';
import { encodeClusterCommand, type ClusterCommand } from './state/cluster-commands.js';
import type { ClusterState } from './state/cluster-state.js';

/** A request from the harness that started this agent over a Node IPC channel. */
export type ControlRequest =
  | { id: number; op: 'status' }
  | { id: number; op: 'propose'; command: ClusterCommand }
  | { id: number; op: 'state'; linearizable: boolean }
  | { id: number; op: 'transfer'; to: string };

/** The answer to a {@link ControlRequest} with the same id. */
export type ControlResponse =
  { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/**
 * Serve requests from the process that started this agent with an IPC channel (tests and
 * benchmarks fork agents this way). Does nothing when there is no channel, as under systemd.
 * The operator-facing admin API is the gRPC service used by clusterctl; this is its small
 * stand-in for harnesses.
 */
export function serveControlChannel(
  driver: RaftDriver,
  state: ClusterState,
  agent: NodeAgent,
): void {
  if (process.send === undefined) return;
  const reply = (r: ControlResponse) => process.send?.(r);
  process.on('message', (raw: unknown) => {
    const req = raw as ControlRequest;
    void handle(driver, state, agent, req).then(
      (value) => reply({ id: req.id, ok: true, value }),
      (err: unknown) =>
        reply({ id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
    );
  });
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  process.send({ id: 0, ok: true, value: 'ready' } satisfies ControlResponse);
}

async function handle(
  driver: RaftDriver,
  state: ClusterState,
  agent: NodeAgent,
  req: ControlRequest,
): Promise<unknown> {
  switch (req.op) {
    case 'status':
      return { ...driver.status(), lease: agent.leaseState() };
    case 'propose':
      return (await driver.propose(encodeClusterCommand(req.command))).result;
    case 'state':
      if (req.linearizable) await driver.readBarrier();
      return state.state;
    case 'transfer':
      driver.transferLeadership(req.to);
      return null;
  }
}
