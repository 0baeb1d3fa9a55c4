import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { ConfState as _quorate_raft_ConfState, ConfState__Output as _quorate_raft_ConfState__Output } from './quorate/raft/ConfState.js';
import type { Entry as _quorate_raft_Entry, Entry__Output as _quorate_raft_Entry__Output } from './quorate/raft/Entry.js';
import type { Message as _quorate_raft_Message, Message__Output as _quorate_raft_Message__Output } from './quorate/raft/Message.js';
import type { MessageBatch as _quorate_raft_MessageBatch, MessageBatch__Output as _quorate_raft_MessageBatch__Output } from './quorate/raft/MessageBatch.js';
import type { RaftTransportClient as _quorate_raft_RaftTransportClient, RaftTransportDefinition as _quorate_raft_RaftTransportDefinition } from './quorate/raft/RaftTransport.js';
import type { Snapshot as _quorate_raft_Snapshot, Snapshot__Output as _quorate_raft_Snapshot__Output } from './quorate/raft/Snapshot.js';
import type { SnapshotMetadata as _quorate_raft_SnapshotMetadata, SnapshotMetadata__Output as _quorate_raft_SnapshotMetadata__Output } from './quorate/raft/SnapshotMetadata.js';
import type { StreamAck as _quorate_raft_StreamAck, StreamAck__Output as _quorate_raft_StreamAck__Output } from './quorate/raft/StreamAck.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  quorate: {
    raft: {
      ConfState: MessageTypeDefinition<_quorate_raft_ConfState, _quorate_raft_ConfState__Output>
      Entry: MessageTypeDefinition<_quorate_raft_Entry, _quorate_raft_Entry__Output>
      EntryType: EnumTypeDefinition
      Message: MessageTypeDefinition<_quorate_raft_Message, _quorate_raft_Message__Output>
      MessageBatch: MessageTypeDefinition<_quorate_raft_MessageBatch, _quorate_raft_MessageBatch__Output>
      MessageType: EnumTypeDefinition
      RaftTransport: SubtypeConstructor<typeof grpc.Client, _quorate_raft_RaftTransportClient> & { service: _quorate_raft_RaftTransportDefinition }
      Snapshot: MessageTypeDefinition<_quorate_raft_Snapshot, _quorate_raft_Snapshot__Output>
      SnapshotMetadata: MessageTypeDefinition<_quorate_raft_SnapshotMetadata, _quorate_raft_SnapshotMetadata__Output>
      StreamAck: MessageTypeDefinition<_quorate_raft_StreamAck, _quorate_raft_StreamAck__Output>
    }
  }
}

