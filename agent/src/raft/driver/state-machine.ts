/**
 * The replicated state machine the Raft driver feeds (hashicorp/raft's FSM). The agent's is
 * the cluster state (agent/src/state/cluster-state.ts); the Raft tests use small ones.
 *
 * Contract: `apply` must be deterministic — the same commands in the same order produce the
 * same state and results on every node — and must not throw for a command another node
 * accepted (a bad command yields an error *result*, identical everywhere).
 */
export interface StateMachine {
  /** Apply one committed command at log `index`; the result goes back to the proposer. */
  apply(index: number, command: Uint8Array): unknown;
  /** The whole state as bytes, taken at the last applied index (for compaction). */
  snapshot(): Uint8Array;
  /** Replace the whole state with a snapshot's bytes (from `snapshot()` on some node). */
  restore(data: Uint8Array): void;
}
