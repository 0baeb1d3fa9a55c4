/**
 * Entry point of the lease guard (`node guard-main.js`), started by clusterd, one per node;
 * see lease-guard.ts for what it is for. It listens on a Unix socket for its agent, runs the
 * guard's rule every few tens of milliseconds, and stops resources with the same resource
 * manager and OCF executor the agent uses. When it is ready it writes `ready` to file
 * descriptor 3 (a pipe from the agent that started it) and closes it.
 */
import { closeSync, existsSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { pino } from 'pino';
import { createOperationExecutor } from '../executor/operation-executor.js';
import { ResourceManager } from '../executor/resource-manager.js';
import { encodeGuardMessage, lineDecoder, type AgentToGuard } from './guard-protocol.js';
import { LeaseGuard } from './lease-guard.js';
import { fromMonotonicMs, monotonicNowMs } from './monotonic-time.js';

const CHECK_INTERVAL_MS = 25;

const program = new Command()
  .name('quorate-lease-guard')
  .description("Stops this node's resources when its agent cannot, before the lease ends.")
  .requiredOption('--socket <path>', 'Unix socket to listen on for the agent')
  .requiredOption('--node <id>', 'this node')
  .requiredOption('--ocf-root <dir>', 'where OCF resource agents live')
  .requiredOption('--stop-budget-ms <n>', 'the lease stop budget', Number)
  .requiredOption('--silence-ms <n>', 'agent silence after which the guard acts', Number)
  .option(
    '--idle-exit-ms <n>',
    'exit after this long with no agent and nothing held',
    Number,
    10_000,
  )
  .option('--log-level <level>', 'trace, debug, info, warn or error', 'info');

/** Whether another guard already answers on `path`. */
function alreadyServed(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    if (!existsSync(path)) return resolve(false);
    const probe = createConnection(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

function signalReady(): void {
  try {
    writeSync(3, 'ready\n');
    closeSync(3);
  } catch {
    // Started by hand, without the pipe: nothing to tell.
  }
}

async function main(): Promise<void> {
  program.parse();
  const opts = program.opts<{
    socket: string;
    node: string;
    ocfRoot: string;
    stopBudgetMs: number;
    silenceMs: number;
    idleExitMs: number;
    logLevel: string;
  }>();
  const destination = pino.destination({ fd: 1, sync: true });
  destination.on('error', () => undefined); // a closed log pipe must not stop the guard
  const logger = pino(
    { level: opts.logLevel, base: { node: opts.node, component: 'lease-guard' } },
    destination,
  );
  if (await alreadyServed(opts.socket)) {
    logger.info({ socket: opts.socket }, 'a guard already serves this node');
    signalReady();
    return;
  }
  if (existsSync(opts.socket)) unlinkSync(opts.socket); // left by a guard that died
  const pidPath = join(dirname(opts.socket), 'guard.pid');

  const manager = new ResourceManager({
    execute: createOperationExecutor({ nodeName: opts.node, ocfRoot: opts.ocfRoot }),
    report: (r) =>
      logger.info(
        { resource: r.resourceId, op: r.action, outcome: r.outcome.kind, reason: r.reason },
        'resource operation',
      ),
    requireProbeBeforeStart: true,
  });
  const server = createServer();
  const guard = new LeaseGuard({
    stopBudgetMs: opts.stopBudgetMs,
    silenceMs: opts.silenceMs,
    idleExitMs: opts.idleExitMs,
    nowMs: monotonicNowMs,
    stopAll: async (resources, deadlineMs) => {
      const r = await manager.stopAll(resources, fromMonotonicMs(deadlineMs));
      return { ok: r.ok, stopFailed: r.ok ? [] : r.stopFailed };
    },
    exit: () => {
      clearInterval(timer);
      server.close();
      try {
        unlinkSync(pidPath);
      } catch {
        // already gone
      }
      void manager.close().then(() => process.exit(0));
    },
    logger,
  });

  server.on('connection', (socket: Socket) => {
    socket.write(encodeGuardMessage(guard.agentConnected()));
    socket.on(
      'data',
      lineDecoder<AgentToGuard>(
        (msg) => guard.received(msg),
        (line) => logger.error({ line: line.slice(0, 200) }, 'malformed message from the agent'),
      ),
    );
    socket.on('error', () => undefined);
    socket.once('close', () => {
      logger.info({}, 'agent disconnected');
      guard.agentDisconnected();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ path: opts.socket, readableAll: false, writableAll: false }, resolve);
  });
  writeFileSync(pidPath, `${process.pid}\n`, { mode: 0o600 });
  const timer = setInterval(() => guard.check(), CHECK_INTERVAL_MS);
  // systemd stops the unit's whole control group: the agent has normally stopped everything
  // by then; if not, this is the last chance, so the guard acts at once.
  process.on('SIGTERM', () => {
    logger.info({}, 'SIGTERM: exiting once nothing is left to guard');
    guard.terminate();
  });
  logger.info({ socket: opts.socket, pid: process.pid }, 'lease guard started');
  signalReady();
}

main().catch((err: unknown) => {
  console.error(`quorate-lease-guard: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
