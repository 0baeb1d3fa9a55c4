import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

import type { MessageBatch, MessageBatch__Output } from './generated/quorate/raft/MessageBatch.js';
import type {
  RaftTransportClient,
  RaftTransportDefinition,
} from './generated/quorate/raft/RaftTransport.js';
import type { ProtoGrpcType } from './generated/raft.js';

/**
 * Loading proto/raft.proto at run time with `@grpc/proto-loader`. The types under
 * `./generated/` were produced from the same file with the same options (see
 * docs/transport.md for the command); keep {@link PROTO_LOAD_OPTIONS} and the generator flags
 * in step, or the types will lie about the objects.
 */

/**
 * How the proto is loaded: camelCase field names, enums as their names, 64-bit integers as
 * JavaScript numbers (the codec refuses any value above 2^53), bytes as Buffers, and every
 * absent field present with its default (absent nested messages as null).
 */
export const PROTO_LOAD_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** Where the proto lives relative to the repository root (and to an installed package). */
const PROTO_RELATIVE_PATH = join('proto', 'raft.proto');
/** How far up from this module to look for it (source tree or compiled output under dist/). */
const SEARCH_LEVELS_MAX = 8;

/** The loaded service: its definition (for the server), client constructor and serialisers. */
export interface RaftProto {
  /** Absolute path of the proto file that was loaded. */
  protoPath: string;
  /** The `quorate.raft.RaftTransport` service, for `grpc.Server.addService`. */
  service: RaftTransportDefinition;
  /** Constructs a client of the service for one peer address. */
  Client: new (
    address: string,
    credentials: grpc.ChannelCredentials,
    options?: grpc.ChannelOptions,
  ) => RaftTransportClient;
  /** Serialise a batch exactly as a stream write would (tests, size checks). */
  serializeBatch(batch: MessageBatch): Buffer;
  /** Parse bytes exactly as the server does before its handler sees a batch. */
  deserializeBatch(bytes: Buffer): MessageBatch__Output;
}

const loaded = new Map<string, RaftProto>();

/**
 * Load (once per path, then cached) the Raft transport service from `protoPath`, by default
 * proto/raft.proto found by walking up from this module. Throws if the file is missing.
 */
export function loadRaftProto(protoPath: string = findRaftProto()): RaftProto {
  const path = resolve(protoPath);
  const cached = loaded.get(path);
  if (cached !== undefined) return cached;
  const packageDefinition = protoLoader.loadSync(path, PROTO_LOAD_OPTIONS);
  const grpcObject = grpc.loadPackageDefinition(packageDefinition) as unknown as ProtoGrpcType;
  const ctor = grpcObject.quorate.raft.RaftTransport;
  const service = ctor.service;
  const method = service.Stream;
  const proto: RaftProto = {
    protoPath: path,
    service,
    Client: ctor,
    serializeBatch: (batch) => method.requestSerialize(batch),
    deserializeBatch: (bytes) => method.requestDeserialize(bytes),
  };
  loaded.set(path, proto);
  return proto;
}

/**
 * The path of proto/raft.proto: the nearest `proto/raft.proto` in this module's directory or
 * one of its ancestors (the same search works from the TypeScript sources and from dist/).
 */
export function findRaftProto(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let level = 0; level < SEARCH_LEVELS_MAX; level += 1) {
    const candidate = join(dir, PROTO_RELATIVE_PATH);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(
    `cannot find ${PROTO_RELATIVE_PATH} above ${fileURLToPath(import.meta.url)}; ` +
      'pass protoPath explicitly',
  );
}
