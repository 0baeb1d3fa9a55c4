import type { ClusterEvent } from '../state/cluster-state.js';
import type { AdminContext } from './admin-context.js';
import type { EventView, EventsRequest } from './admin-messages.js';
import type { AdminPeers } from './admin-peers.js';
import type { ApiResult } from './api-result.js';
import { okResult } from './api-result.js';
import { confirmRead } from './cluster-writes.js';

/** How often a follow stream looks for newly applied events. */
export const EVENTS_POLL_MS = 200;

/** Where a stream writes events, and how it learns the caller went away. */
export interface EventSink {
  write(event: EventView): void;
  /** Register `listener` for the end of the call (cancelled, or the connection dropped). */
  onClose(listener: () => void): void;
}

/** An event on the wire. */
export function eventView(e: ClusterEvent): EventView {
  return {
    index: e.index,
    atMs: e.atMs,
    kind: e.kind,
    node: e.node ?? '',
    resource: e.resource ?? '',
    message: e.message,
  };
}

function matches(req: EventsRequest, e: ClusterEvent): boolean {
  if (e.index <= req.afterIndex) return false;
  if (req.node !== '' && e.node !== req.node) return false;
  if (
    req.resource !== '' &&
    e.resource !== req.resource &&
    !e.resource?.startsWith(`${req.resource}:`)
  )
    return false;
  return true;
}

/**
 * `Events`: this agent's applied events, oldest first (the newest `limit` when set); with
 * `follow`, then every new event as this agent applies it, until the caller cancels. Events
 * of one log index are applied together, so the stream resumes after the last index sent
 * and never splits or repeats one. Resolves with a refusal (before anything is sent) or
 * once a non-follow stream has sent everything.
 */
export async function streamEvents(
  ctx: AdminContext,
  peers: AdminPeers,
  req: EventsRequest,
  sink: EventSink,
): Promise<ApiResult<null>> {
  const read = await confirmRead(ctx, peers, req.linearizable);
  if (!read.ok) return read;
  let backlog = ctx.state.state.events.filter((e) => matches(req, e));
  if (req.limit > 0) backlog = backlog.slice(-req.limit);
  let last = req.afterIndex;
  for (const e of backlog) sink.write(eventView(e));
  const newest = ctx.state.state.events.at(-1);
  if (newest !== undefined) last = Math.max(last, newest.index);
  if (!req.follow) return okResult(null);
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      for (const e of ctx.state.state.events) {
        if (e.index > last && matches(req, e)) sink.write(eventView(e));
      }
      const newestNow = ctx.state.state.events.at(-1);
      if (newestNow !== undefined) last = Math.max(last, newestNow.index);
    }, EVENTS_POLL_MS);
    sink.onClose(() => {
      clearInterval(timer);
      resolve();
    });
  });
  return okResult(null);
}
