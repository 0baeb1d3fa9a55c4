// Original file: proto/raft.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { MessageBatch as _quorate_raft_MessageBatch, MessageBatch__Output as _quorate_raft_MessageBatch__Output } from '../../quorate/raft/MessageBatch.js';
import type { StreamAck as _quorate_raft_StreamAck, StreamAck__Output as _quorate_raft_StreamAck__Output } from '../../quorate/raft/StreamAck.js';

export interface RaftTransportClient extends grpc.Client {
  Stream(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_quorate_raft_StreamAck__Output>): grpc.ClientWritableStream<_quorate_raft_MessageBatch>;
  Stream(metadata: grpc.Metadata, callback: grpc.requestCallback<_quorate_raft_StreamAck__Output>): grpc.ClientWritableStream<_quorate_raft_MessageBatch>;
  Stream(options: grpc.CallOptions, callback: grpc.requestCallback<_quorate_raft_StreamAck__Output>): grpc.ClientWritableStream<_quorate_raft_MessageBatch>;
  Stream(callback: grpc.requestCallback<_quorate_raft_StreamAck__Output>): grpc.ClientWritableStream<_quorate_raft_MessageBatch>;
  stream(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_quorate_raft_StreamAck__Output>): grpc.ClientWritableStream<_quorate_raft_MessageBatch>;
  stream(metadata: grpc.Metadata, callback: grpc.requestCallback<_quorate_raft_StreamAck__Output>): grpc.ClientWritableStream<_quorate_raft_MessageBatch>;
  stream(options: grpc.CallOptions, callback: grpc.requestCallback<_quorate_raft_StreamAck__Output>): grpc.ClientWritableStream<_quorate_raft_MessageBatch>;
  stream(callback: grpc.requestCallback<_quorate_raft_StreamAck__Output>): grpc.ClientWritableStream<_quorate_raft_MessageBatch>;
  
}

export interface RaftTransportHandlers extends grpc.UntypedServiceImplementation {
  Stream: grpc.handleClientStreamingCall<_quorate_raft_MessageBatch__Output, _quorate_raft_StreamAck>;
  
}

export interface RaftTransportDefinition extends grpc.ServiceDefinition {
  Stream: MethodDefinition<_quorate_raft_MessageBatch, _quorate_raft_StreamAck, _quorate_raft_MessageBatch__Output, _quorate_raft_StreamAck__Output>
}
