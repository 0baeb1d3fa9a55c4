import { execa } from 'execa';

import { BoundedOutput } from './bounded-output.js';
import { ExitReasonParser } from './exit-reason-parser.js';

/** How one program run in its own process group is bounded. */
export interface ProcessGroupRunOptions {
  /** The complete environment (nothing is inherited). */
  env: Record<string, string>;
  /** After this long the group gets SIGTERM (at most 2^31-1). */
  timeoutMs: number;
  /** After SIGTERM, how long before the group gets SIGKILL. */
  killGraceMs: number;
  /** After SIGKILL, how long to wait for the process to exit before giving up on it. */
  killWaitMs: number;
  /** Most bytes kept of stdout, and of stderr. */
  outputMaxBytes: number;
  /**
   * After the process exits, how long to keep collecting output while waiting for the pipes
   * to close. Output written before the exit is read in the meantime; a background child that
   * inherited the pipes (IPaddr2's ARP sender) must not hold the result back.
   */
  drainAfterExitMs: number;
  /**
   * After the result, how long pipes still held open by leftover children are read (and
   * discarded) before being closed: closing at once would kill those children with SIGPIPE
   * on their next write; never closing would leak descriptors.
   */
  lingerMaxMs: number;
  /** Aborting it ends the run like a timeout does (TERM, then KILL after the grace). */
  signal: AbortSignal | undefined;
}

/** How a run ended, and what it left behind. */
export interface ProcessGroupRunResult {
  /**
   * `exit`: the process exited (or died of a signal) on its own. `timeout` / `cancelled`:
   * we ended it. `spawn-error`: it never ran (see `error`).
   */
  ended: 'exit' | 'timeout' | 'cancelled' | 'spawn-error';
  /** Whether the process's exit was seen: false only if it outlived SIGKILL by killWaitMs. */
  exited: boolean;
  exitCode: number | null;
  exitSignal: string | null;
  /** Process id, which is also the process group id; null if it never started. */
  pid: number | null;
  /** Signals delivered to the process group by us, in order. */
  signalsSent: ('SIGTERM' | 'SIGKILL')[];
  stdout: string;
  stderr: string;
  outputTruncated: boolean;
  /** The last `ocf-exit-reason:` line on stderr, or null. */
  exitReason: string | null;
  /** Why it could not be started, for `spawn-error`. */
  error: string | null;
  /** Launch to exit (or to giving up), monotonic. */
  durationMs: number;
}

/** Largest delay setTimeout honours; larger ones fire at once. */
export const TIMER_DELAY_MS_MAX = 2_147_483_647;

/**
 * Run `file args` in a new process group (detached: the child is its group's leader), and
 * resolve when the PROCESS exits, not when its pipes close: a grandchild holding stdout does
 * not delay the result. On timeout or abort the whole group gets SIGTERM, and SIGKILL after
 * `killGraceMs` if the leader is still there; once the leader is gone after such an
 * escalation, whatever is left of the group gets SIGKILL at once. A process that exits
 * normally leaves its background children alone (they may be doing the agent's work).
 *
 * Never rejects: every way of ending is a value. stdin is /dev/null, the working directory
 * is `/`.
 */
export async function runInProcessGroup(
  file: string,
  args: readonly string[],
  options: ProcessGroupRunOptions,
): Promise<ProcessGroupRunResult> {
  const startedMs = performance.now();
  const stdout = new BoundedOutput(options.outputMaxBytes);
  const stderr = new BoundedOutput(options.outputMaxBytes);
  const reasons = new ExitReasonParser();
  const signalsSent: ('SIGTERM' | 'SIGKILL')[] = [];
  // When the process exited: the duration ends there, not when the pipes were drained.
  let exitMs: number | null = null;
  const result = (
    fields: Pick<
      ProcessGroupRunResult,
      'ended' | 'exited' | 'exitCode' | 'exitSignal' | 'pid' | 'error'
    >,
  ): ProcessGroupRunResult => ({
    ...fields,
    signalsSent,
    stdout: stdout.text(),
    stderr: stderr.text(),
    outputTruncated: stdout.truncated || stderr.truncated,
    exitReason: reasons.reason(),
    durationMs: (exitMs ?? performance.now()) - startedMs,
  });
  const notStarted = { exited: false, exitCode: null, exitSignal: null, pid: null };

  if (options.signal?.aborted) {
    return result({ ended: 'cancelled', ...notStarted, error: null });
  }
  let child;
  try {
    child = execa(file, args, {
      detached: true,
      cleanup: false,
      env: options.env,
      extendEnv: false,
      cwd: '/',
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      encoding: 'buffer',
      reject: false,
    });
  } catch (error) {
    return result({ ended: 'spawn-error', ...notStarted, error: describe(error) });
  }
  // execa's own promise settles only once the pipes close, which a leftover child may put
  // off indefinitely: it is observed, never awaited.
  child.then(
    () => undefined,
    () => undefined,
  );
  const { stdout: outStream, stderr: errStream } = child;
  const pid = child.pid ?? null;

  return await new Promise<ProcessGroupRunResult>((resolve) => {
    let collecting = true;
    let settled = false;
    let exitSeen = false;
    let ended: 'timeout' | 'cancelled' | null = null;
    const timers = new Set<NodeJS.Timeout>();
    const after = (delayMs: number, action: () => void): void => {
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          action();
        },
        Math.min(delayMs, TIMER_DELAY_MS_MAX),
      );
      timers.add(timer);
    };
    const clearTimers = (): void => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    };

    outStream.on('data', (chunk: Buffer | string) => {
      if (collecting) stdout.push(toBuffer(chunk));
    });
    errStream.on('data', (chunk: Buffer | string) => {
      if (!collecting) return;
      const bytes = toBuffer(chunk);
      stderr.push(bytes);
      reasons.push(bytes);
    });
    outStream.on('error', () => undefined);
    errStream.on('error', () => undefined);

    const signalGroup = (signal: 'SIGTERM' | 'SIGKILL'): void => {
      if (pid === null) return;
      try {
        process.kill(-pid, signal);
        signalsSent.push(signal);
      } catch {
        // ESRCH: nobody left in the group. EPERM cannot happen for our own children.
      }
    };

    const settle = (fields: Parameters<typeof result>[0]): void => {
      if (settled) return;
      settled = true;
      clearTimers();
      options.signal?.removeEventListener('abort', onAbort);
      collecting = false;
      const value = result(fields);
      // Leftover children may still hold the pipes: read and discard, then close.
      const linger = setTimeout(
        () => {
          outStream.destroy();
          errStream.destroy();
        },
        Math.min(options.lingerMaxMs, TIMER_DELAY_MS_MAX),
      );
      linger.unref();
      let open = 2;
      const closed = (): void => {
        open -= 1;
        if (open === 0) clearTimeout(linger);
      };
      if (outStream.readableEnded || outStream.destroyed) closed();
      else outStream.once('close', closed);
      if (errStream.readableEnded || errStream.destroyed) closed();
      else errStream.once('close', closed);
      resolve(value);
    };

    const escalate = (why: 'timeout' | 'cancelled'): void => {
      // Once the process has exited, its leftover children are not ours to signal.
      if (ended !== null || settled || exitSeen) return;
      ended = why;
      signalGroup('SIGTERM');
      after(options.killGraceMs, () => {
        signalGroup('SIGKILL');
        after(options.killWaitMs, () =>
          settle({ ended: why, exited: false, exitCode: null, exitSignal: null, pid, error: null }),
        );
      });
    };
    const onAbort = (): void => escalate('cancelled');

    child.once('error', (error: Error) => {
      if (pid === null) settle({ ended: 'spawn-error', ...notStarted, error: describe(error) });
    });
    child.once('exit', (exitCode: number | null, exitSignal: string | null) => {
      if (settled) return;
      exitSeen = true;
      exitMs = performance.now();
      clearTimers();
      if (ended !== null && !signalsSent.includes('SIGKILL')) signalGroup('SIGKILL');
      const fields: Parameters<typeof result>[0] = {
        ended: ended ?? 'exit',
        exited: true,
        exitCode,
        exitSignal,
        pid,
        error: null,
      };
      let open = 2;
      const drained = (): void => {
        open -= 1;
        if (open === 0) settle(fields);
      };
      for (const stream of [outStream, errStream]) {
        if (stream.readableEnded || stream.destroyed) drained();
        else stream.once('end', drained);
      }
      after(options.drainAfterExitMs, () => settle(fields));
    });

    if (pid !== null) {
      after(options.timeoutMs, () => escalate('timeout'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
    }
  });
}

function toBuffer(chunk: Buffer | string): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === undefined ? error.message : `${code}: ${error.message}`;
  }
  return String(error);
}
