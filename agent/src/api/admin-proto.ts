import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * How the admin API's messages are decoded, on both ends: camelCase fields, 64-bit integers
 * as numbers (every count, index and time fits in 2^53), enums by name, and every field
 * present with its default, so handlers never meet `undefined` (admin-messages.ts).
 */
export const ADMIN_PROTO_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** The full gRPC path of an Admin method, e.g. `/quorate.admin.Admin/Status`. */
export function adminMethodPath(method: string): string {
  return `/quorate.admin.Admin/${method}`;
}

interface AdminPackage {
  quorate: { admin: { Admin: grpc.ServiceClientConstructor } };
}

let loaded: AdminPackage | null = null;

/**
 * proto/cluster.proto, loaded once. Found by walking up from this module (it lives at the
 * package root, as raft.proto does), so it works from the sources and from dist/ alike.
 */
function adminPackage(): AdminPackage {
  if (loaded !== null) return loaded;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8 && !existsSync(join(dir, 'proto', 'cluster.proto')); i++)
    dir = dirname(dir);
  const definition = protoLoader.loadSync(join(dir, 'proto', 'cluster.proto'), ADMIN_PROTO_OPTIONS);
  loaded = grpc.loadPackageDefinition(definition) as unknown as AdminPackage;
  return loaded;
}

/** The Admin service definition, to serve on the agent's gRPC server. */
export function adminServiceDefinition(): grpc.ServiceDefinition {
  return adminPackage().quorate.admin.Admin.service;
}

/**
 * A generic client for the Admin service at `address`: clusterctl and agents relaying to
 * their leader both use it. Methods are called by name (`client['Status'](...)`).
 */
export function newAdminClient(
  address: string,
  credentials: grpc.ChannelCredentials,
  options: grpc.ChannelOptions = {},
): grpc.Client {
  const Client = adminPackage().quorate.admin.Admin;
  return new Client(address, credentials, options);
}
