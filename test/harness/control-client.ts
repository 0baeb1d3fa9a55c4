import type { ChildProcess } from 'node:child_process';
import type { ControlRequest, ControlResponse } from '../../agent/src/control-channel.js';

/** A control request without its id (the client numbers them). */
export type ControlCall = ControlRequest extends infer R
  ? R extends { id: number }
    ? Omit<R, 'id'>
    : never
  : never;

/**
 * The harness's end of one agent process's control channel (agent/src/control-channel.ts,
 * over Node IPC): it numbers requests, matches each answer to its request, and notes the
 * agent's ready message (id 0). One per child process, made right after the spawn; the
 * loopback harness (AgentProcess) and the netns one (test/netns/host-agent.ts) both talk to
 * their agents through it, so the two cannot drift apart.
 */
export class ControlClient {
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();

  /** When the agent reported ready (Date.now()), or null before that. */
  readyAtMs: number | null = null;

  /**
   * Resolves when the agent reports ready; rejects if the process exits (or cannot be
   * spawned) first, or after `readyTimeoutMs`. Await it once, right after construction.
   */
  readonly ready: Promise<void>;

  /**
   * `name` names the agent in errors ("node1 exited (1) before ready; see <logPath>");
   * `logPath` is where its output goes, for the reader of such an error.
   */
  constructor(
    private readonly child: ChildProcess,
    private readonly name: string,
    readyTimeoutMs: number,
    logPath: string,
  ) {
    this.ready = new Promise<void>((res, rej) => {
      const timer = setTimeout(() => {
        rej(new Error(`${name} not ready within ${readyTimeoutMs} ms; see ${logPath}`));
      }, readyTimeoutMs);
      child.on('message', (raw: unknown) => {
        const msg = raw as ControlResponse;
        if (msg.id === 0) {
          clearTimeout(timer);
          this.readyAtMs = Date.now();
          res();
          return;
        }
        const w = this.waiting.get(msg.id);
        if (w === undefined) return;
        this.waiting.delete(msg.id);
        if (msg.ok) w.resolve(msg.value);
        else w.reject(new Error(msg.error));
      });
      child.on('error', (err) => {
        clearTimeout(timer);
        rej(err);
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        rej(new Error(`${name} exited (${code ?? signal}) before ready; see ${logPath}`));
        for (const w of this.waiting.values()) w.reject(new Error(`${name} exited`));
        this.waiting.clear();
      });
    });
  }

  /**
   * Send a control request; rejects on an error answer, on the agent's exit, when the channel
   * is closed, or after `timeoutMs` without an answer.
   */
  request<T>(req: ControlCall, timeoutMs = 10_000): Promise<T> {
    if (!this.child.connected) return Promise.reject(new Error(`${this.name} is not running`));
    const id = this.nextId++;
    return new Promise<T>((res, rej) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        rej(new Error(`${this.name}: ${req.op} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (v) => (clearTimeout(timer), res(v as T)),
        reject: (e) => (clearTimeout(timer), rej(e)),
      });
      this.child.send({ ...req, id }, (err) => {
        if (err === null) return;
        this.waiting.delete(id);
        clearTimeout(timer);
        rej(err);
      });
    });
  }
}
