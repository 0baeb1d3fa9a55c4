import * as grpc from '@grpc/grpc-js';
import type { AdminContext } from './admin-context.js';
import type { PingReply } from './admin-messages.js';
import { newAdminClient } from './admin-proto.js';
import { okResult, refuse, type ApiResult } from './api-result.js';
import { refusalFromServiceError } from './refusal-status.js';

/**
 * Metadata key marking a call relayed by another agent (value: its id). An agent never
 * relays a relayed call again, so a leadership change in flight cannot make calls circle.
 */
export const RELAYED_BY_METADATA_KEY = 'quorate-relayed-by';

/** A unary method of a generic client, as proto-loader builds it. */
type UnaryMethod<Reply> = (
  request: object,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, reply?: Reply) => void,
) => grpc.ClientUnaryCall;

/**
 * Calls from this agent to other agents' Admin services: relaying to the leader, reachability
 * pings, address announcements. One cached channel per address; failures come back as
 * refusals (values), never as exceptions.
 */
export class AdminPeers {
  private readonly clients = new Map<string, grpc.Client>();

  constructor(private readonly ctx: AdminContext) {}

  /**
   * Call unary `method` at `address` with `request`, waiting at most `timeoutMs`. The call is
   * marked as relayed by this agent. `who` names the callee in messages ("the leader node1").
   */
  call<Reply>(
    address: string,
    method: string,
    request: object,
    timeoutMs: number,
    who: string,
  ): Promise<ApiResult<Reply>> {
    const client = this.client(address);
    const metadata = new grpc.Metadata();
    metadata.set(RELAYED_BY_METADATA_KEY, this.ctx.id);
    return new Promise((resolve) => {
      const fn = (client as unknown as Record<string, UnaryMethod<Reply> | undefined>)[method];
      if (typeof fn !== 'function') {
        resolve(refuse('internal', `internal error: no Admin method ${method}`));
        return;
      }
      fn.call(
        client,
        request,
        metadata,
        { deadline: Date.now() + timeoutMs },
        (err: grpc.ServiceError | null, reply?: Reply) => {
          if (err !== null) {
            const refusal = refusalFromServiceError(err, `${who} (${address})`);
            resolve({ ok: false, refusal });
          } else resolve(okResult(reply as Reply));
        },
      );
    });
  }

  /** Whether `address` answers Ping for this cluster within `timeoutMs`. */
  async reachable(address: string, timeoutMs: number): Promise<boolean> {
    const r = await this.call<PingReply>(address, 'Ping', {}, timeoutMs, address);
    return r.ok && r.value.clusterId === this.ctx.clusterId;
  }

  /** Close every channel. */
  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  private client(address: string): grpc.Client {
    let client = this.clients.get(address);
    if (client === undefined) {
      client = newAdminClient(address, this.ctx.channelCredentials, this.ctx.channelOptions);
      this.clients.set(address, client);
    }
    return client;
  }
}
