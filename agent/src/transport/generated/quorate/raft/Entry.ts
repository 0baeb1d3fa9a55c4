// Original file: proto/raft.proto

import type { EntryType as _quorate_raft_EntryType, EntryType__Output as _quorate_raft_EntryType__Output } from '../../quorate/raft/EntryType.js';
import type { Long } from '@grpc/proto-loader';

export interface Entry {
  'term'?: (number | string | Long);
  'index'?: (number | string | Long);
  'type'?: (_quorate_raft_EntryType);
  'data'?: (Buffer | Uint8Array | string);
}

export interface Entry__Output {
  'term': (number);
  'index': (number);
  'type': (_quorate_raft_EntryType__Output);
  'data': (Buffer);
}
