// Original file: proto/raft.proto

import type { SnapshotMetadata as _quorate_raft_SnapshotMetadata, SnapshotMetadata__Output as _quorate_raft_SnapshotMetadata__Output } from '../../quorate/raft/SnapshotMetadata.js';

export interface Snapshot {
  'metadata'?: (_quorate_raft_SnapshotMetadata | null);
  'data'?: (Buffer | Uint8Array | string);
}

export interface Snapshot__Output {
  'metadata': (_quorate_raft_SnapshotMetadata__Output | null);
  'data': (Buffer);
}
