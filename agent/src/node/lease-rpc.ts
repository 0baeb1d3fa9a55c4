import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A lease renewal request (proto/liveness.proto). */
export interface RenewRequest {
  node: string;
  clusterId: string;
  /** The asking agent process (random, picked at its start; '' from an older agent). */
  incarnation: string;
  /** How long the asking agent process had been running when it sent this. */
  upMs: number;
}

/** The answer to a {@link RenewRequest}. */
export interface RenewReply {
  /** This voter's yes. */
  granted: boolean;
  reason: string;
  leader: string;
  term: number;
  /** The leader's commit index at the grant (with `leaderGrant`): start nothing before it. */
  commitIndex: number;
  /** The leader lets the node start resources. */
  leaderGrant: boolean;
}

/** A leader's request to revoke a node's lease. */
export interface RevokeRequest {
  node: string;
  clusterId: string;
  leader: string;
  term: number;
}

/** The answer to a {@link RevokeRequest}. */
export interface RevokeReply {
  revoked: boolean;
  holdMs: number;
  remainingMs: number;
  reason: string;
}

/** A client for one peer's Liveness service. */
export interface LivenessClient {
  renew(req: RenewRequest, deadlineMs: number): Promise<RenewReply>;
  revoke(req: RevokeRequest, deadlineMs: number): Promise<RevokeReply>;
  close(): void;
}

/** What the Liveness service answers with. */
export interface LivenessHandlers {
  renew(req: RenewRequest): RenewReply;
  revoke(req: RevokeRequest): RevokeReply;
}

interface LivenessPackage {
  quorate: { liveness: { Liveness: grpc.ServiceClientConstructor } };
}

let loaded: LivenessPackage | null = null;

/** Load proto/liveness.proto once (found by walking up from this module, as raft.proto is). */
function livenessPackage(): LivenessPackage {
  if (loaded !== null) return loaded;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8 && !existsSync(join(dir, 'proto', 'liveness.proto')); i++)
    dir = dirname(dir);
  const definition = protoLoader.loadSync(join(dir, 'proto', 'liveness.proto'), {
    longs: Number,
    defaults: true,
  });
  loaded = grpc.loadPackageDefinition(definition) as unknown as LivenessPackage;
  return loaded;
}

/** The Liveness service, to serve with `handlers` on the agent's gRPC server. */
export function livenessService(handlers: LivenessHandlers): {
  definition: grpc.ServiceDefinition;
  implementation: grpc.UntypedServiceImplementation;
} {
  return {
    definition: livenessPackage().quorate.liveness.Liveness.service,
    implementation: {
      Renew: (
        call: grpc.ServerUnaryCall<RenewRequest, RenewReply>,
        callback: grpc.sendUnaryData<RenewReply>,
      ) => {
        callback(null, handlers.renew(call.request));
      },
      Revoke: (
        call: grpc.ServerUnaryCall<RevokeRequest, RevokeReply>,
        callback: grpc.sendUnaryData<RevokeReply>,
      ) => {
        callback(null, handlers.revoke(call.request));
      },
    },
  };
}

/** A client for the Liveness service at `address` ("host:port"). */
export function livenessClient(
  address: string,
  credentials: grpc.ChannelCredentials,
  options: grpc.ChannelOptions = {},
): LivenessClient {
  const Client = livenessPackage().quorate.liveness.Liveness;
  const client = new Client(address, credentials, options);
  const unary =
    <Req, Reply>(method: string) =>
    (req: Req, deadlineMs: number): Promise<Reply> =>
      new Promise((resolve, reject) => {
        client[method](
          req,
          { deadline: Date.now() + deadlineMs },
          (err: grpc.ServiceError | null, reply: Reply) => (err ? reject(err) : resolve(reply)),
        );
      });
  return {
    renew: unary<RenewRequest, RenewReply>('Renew'),
    revoke: unary<RevokeRequest, RevokeReply>('Revoke'),
    close: () => client.close(),
  };
}
