import type * as grpc from '@grpc/grpc-js';
import type { AdminContext } from './admin-context.js';
import type { EventView, EventsRequest } from './admin-messages.js';
import { AdminPeers, RELAYED_BY_METADATA_KEY } from './admin-peers.js';
import { adminServiceDefinition } from './admin-proto.js';
import { refusalFromError, type ApiResult } from './api-result.js';
import { handleApply, handleValidate } from './config-handlers.js';
import { streamEvents } from './events-stream.js';
import { handleExplain } from './explain-handler.js';
import { handleFailover } from './failover-handler.js';
import { handleBan, handleCleanup, handleClear, handleMove } from './intent-handlers.js';
import { handleLeaderTransfer } from './leader-transfer-handler.js';
import { handleMemberAdd, handleMemberRemove, handleMembers } from './member-handlers.js';
import { handleNodeFlags } from './node-flags-handler.js';
import { handlePing, handleSetPeerAddress } from './peer-handlers.js';
import { refusalToServiceError } from './refusal-status.js';
import { handleStatus } from './status-handler.js';

/** Where the admin service reports failures that are bugs (a pino logger fits). */
export interface AdminLogger {
  warn(obj: object, msg: string): void;
}

/** One unary handler: the decoded request, whether another agent relayed it; a result. */
type UnaryHandler = (
  ctx: AdminContext,
  peers: AdminPeers,
  request: never,
  relayed: boolean,
) => Promise<ApiResult<unknown>> | ApiResult<unknown>;

/** The unary methods of proto/cluster.proto and their handlers. */
const UNARY: Record<string, UnaryHandler> = {
  Status: handleStatus,
  Validate: (_c, _p, req) => handleValidate(req),
  Apply: handleApply,
  Failover: handleFailover,
  NodeFlags: handleNodeFlags,
  Cleanup: handleCleanup,
  Ban: handleBan,
  Clear: handleClear,
  Move: handleMove,
  Explain: handleExplain,
  Members: handleMembers,
  MemberAdd: handleMemberAdd,
  MemberRemove: handleMemberRemove,
  LeaderTransfer: (c, p, req) => handleLeaderTransfer(c, p, req),
  Ping: (c) => handlePing(c),
  SetPeerAddress: (c, _p, req) => handleSetPeerAddress(c, req),
};

/** The Admin service, ready for GrpcTransport's `extraServices`, and how to release it. */
export interface AdminService {
  definition: grpc.ServiceDefinition;
  implementation: grpc.UntypedServiceImplementation;
  /** Close the channels to other agents. */
  close(): void;
}

/**
 * The Admin service of proto/cluster.proto, served on the agent's port. This is the edge
 * where results become gRPC: a handler's refusal becomes a status (code per
 * refusal-status.ts, message as written, the code again in metadata); an exception — a bug —
 * becomes INTERNAL and is logged. No request, however malformed, can throw past here: the
 * agent keeps running and the replicated state is changed only by valid, validated commands.
 */
export function adminService(ctx: AdminContext, logger?: AdminLogger): AdminService {
  const peers = new AdminPeers(ctx);
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [method, handler] of Object.entries(UNARY)) {
    implementation[method] = (
      call: grpc.ServerUnaryCall<unknown, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => {
      const relayed = call.metadata.get(RELAYED_BY_METADATA_KEY).length > 0;
      void settle(() => handler(ctx, peers, call.request as never, relayed), method, logger).then(
        (result) => {
          if (result.ok) callback(null, result.value);
          else callback(refusalToServiceError(result.refusal));
        },
      );
    };
  }
  implementation['Events'] = (call: grpc.ServerWritableStream<EventsRequest, EventView>) => {
    let closed = false;
    const listeners: (() => void)[] = [];
    const close = () => {
      if (closed) return;
      closed = true;
      for (const l of listeners) l();
    };
    call.on('cancelled', close);
    call.on('close', close);
    call.on('error', close);
    const sink = {
      write: (e: EventView) => {
        if (!closed) call.write(e);
      },
      onClose: (listener: () => void) => (closed ? listener() : listeners.push(listener)),
    };
    void settle(() => streamEvents(ctx, peers, call.request, sink), 'Events', logger).then(
      (result) => {
        if (closed) return;
        if (result.ok) call.end();
        else call.emit('error', refusalToServiceError(result.refusal));
      },
    );
  };
  return {
    definition: adminServiceDefinition(),
    implementation,
    close: () => peers.close(),
  };
}

/** Run a handler; an exception (a bug) becomes an `internal` refusal and is logged. */
async function settle<T>(
  run: () => Promise<ApiResult<T>> | ApiResult<T>,
  method: string,
  logger: AdminLogger | undefined,
): Promise<ApiResult<T>> {
  try {
    return await run();
  } catch (err) {
    logger?.warn({ err: String(err), method }, 'admin request failed');
    return { ok: false, refusal: refusalFromError(err) };
  }
}
