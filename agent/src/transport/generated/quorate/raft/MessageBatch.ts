// Original file: proto/raft.proto

import type { Message as _quorate_raft_Message, Message__Output as _quorate_raft_Message__Output } from '../../quorate/raft/Message.js';

export interface MessageBatch {
  'messages'?: (_quorate_raft_Message)[];
  'from'?: (string);
  'clusterId'?: (string);
}

export interface MessageBatch__Output {
  'messages': (_quorate_raft_Message__Output)[];
  'from': (string);
  'clusterId': (string);
}
