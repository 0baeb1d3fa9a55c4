import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `Discover`'s answer (proto/bootstrap.proto). */
export interface DiscoverReply {
  clusterId: string;
  caCertPem: string;
}

/** A `Join` request: a token, the new node's id and its certificate request. */
export interface JoinRequest {
  tokenId: string;
  tokenSecret: string;
  nodeId: string;
  csrPem: string;
}

/** `Join`'s answer: the new node's certificate and the CA's. */
export interface JoinReply {
  clusterId: string;
  caCertPem: string;
  certPem: string;
  issuedBy: string;
}

interface BootstrapPackage {
  quorate: { admin: { Bootstrap: grpc.ServiceClientConstructor } };
}

let loaded: BootstrapPackage | null = null;

/** proto/bootstrap.proto, loaded once (found by walking up from this module, as cluster.proto is). */
function bootstrapPackage(): BootstrapPackage {
  if (loaded !== null) return loaded;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8 && !existsSync(join(dir, 'proto', 'bootstrap.proto')); i++)
    dir = dirname(dir);
  const definition = protoLoader.loadSync(join(dir, 'proto', 'bootstrap.proto'), {
    keepCase: false,
    defaults: true,
  });
  loaded = grpc.loadPackageDefinition(definition) as unknown as BootstrapPackage;
  return loaded;
}

/** The Bootstrap service definition, to serve on the agent's gRPC server. */
export function bootstrapServiceDefinition(): grpc.ServiceDefinition {
  return bootstrapPackage().quorate.admin.Bootstrap.service;
}

/** A client for the Bootstrap service at `address`; methods are called by name. */
export function newBootstrapClient(
  address: string,
  credentials: grpc.ChannelCredentials,
): grpc.Client {
  const Client = bootstrapPackage().quorate.admin.Bootstrap;
  return new Client(address, credentials, {
    'grpc.initial_reconnect_backoff_ms': 200,
    'grpc.max_reconnect_backoff_ms': 1000,
    'grpc.ssl_target_name_override': 'quorate-node',
  });
}
