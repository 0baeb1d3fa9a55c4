// Original file: proto/raft.proto

import type { MessageType as _quorate_raft_MessageType, MessageType__Output as _quorate_raft_MessageType__Output } from '../../quorate/raft/MessageType.js';
import type { Entry as _quorate_raft_Entry, Entry__Output as _quorate_raft_Entry__Output } from '../../quorate/raft/Entry.js';
import type { Snapshot as _quorate_raft_Snapshot, Snapshot__Output as _quorate_raft_Snapshot__Output } from '../../quorate/raft/Snapshot.js';
import type { Long } from '@grpc/proto-loader';

export interface Message {
  'type'?: (_quorate_raft_MessageType);
  'from'?: (string);
  'to'?: (string);
  'term'?: (number | string | Long);
  'logTerm'?: (number | string | Long);
  'index'?: (number | string | Long);
  'entries'?: (_quorate_raft_Entry)[];
  'commit'?: (number | string | Long);
  'reject'?: (boolean);
  'rejectHint'?: (number | string | Long);
  'snapshot'?: (_quorate_raft_Snapshot | null);
  'context'?: (string);
}

export interface Message__Output {
  'type': (_quorate_raft_MessageType__Output);
  'from': (string);
  'to': (string);
  'term': (number);
  'logTerm': (number);
  'index': (number);
  'entries': (_quorate_raft_Entry__Output)[];
  'commit': (number);
  'reject': (boolean);
  'rejectHint': (number);
  'snapshot': (_quorate_raft_Snapshot__Output | null);
  'context': (string);
}
