import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A lease renewal request (proto/liveness.proto). */
export interface RenewRequest {
  node: string;
  clusterId: string;
}

/** The answer to a {@link RenewRequest}. */
export interface RenewReply {
  granted: boolean;
  reason: string;
  leader: string;
  term: number;
  /** The leader's commit index at the grant: start nothing before applying this far. */
  commitIndex: number;
}

/** A client for one peer's Liveness service. */
export interface LivenessClient {
  renew(req: RenewRequest, deadlineMs: number): Promise<RenewReply>;
  close(): void;
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

/** The Liveness service, to serve with `handler` on the agent's gRPC server. */
export function livenessService(handler: (req: RenewRequest) => RenewReply): {
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
        callback(null, handler(call.request));
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
  return {
    renew: (req, deadlineMs) =>
      new Promise((resolve, reject) => {
        client['Renew'](
          req,
          { deadline: Date.now() + deadlineMs },
          (err: grpc.ServiceError | null, reply: RenewReply) =>
            err ? reject(err) : resolve(reply),
        );
      }),
    close: () => client.close(),
  };
}
