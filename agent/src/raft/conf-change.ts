import type { ConfChange, ConfState, NodeId } from './types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encode a membership change as the data of a `conf-change` entry. */
export function encodeConfChange(cc: ConfChange): Uint8Array {
  return encoder.encode(JSON.stringify({ type: cc.type, nodeId: cc.nodeId }));
}

/** Decode a `conf-change` entry's data; throws on data no encoder of ours produced. */
export function decodeConfChange(data: Uint8Array): ConfChange {
  const parsed: unknown = JSON.parse(decoder.decode(data));
  if (
    typeof parsed === 'object' &&
    parsed !== null &&
    'type' in parsed &&
    'nodeId' in parsed &&
    (parsed.type === 'add-voter' ||
      parsed.type === 'add-learner' ||
      parsed.type === 'remove-node') &&
    typeof parsed.nodeId === 'string' &&
    parsed.nodeId !== ''
  ) {
    return { type: parsed.type, nodeId: parsed.nodeId };
  }
  throw new Error('malformed conf-change entry');
}

/**
 * Why `cc` may not be applied to `conf` (null: it may). Checked by the leader before it
 * proposes, so every change that reaches the log is valid; `applyConfChange` stays total.
 */
export function confChangeError(conf: ConfState, cc: ConfChange): string | null {
  const isVoter = conf.voters.includes(cc.nodeId);
  const isLearner = conf.learners.includes(cc.nodeId);
  switch (cc.type) {
    case 'add-voter':
      return isVoter ? `${cc.nodeId} is already a voter` : null;
    case 'add-learner':
      if (isVoter) return `${cc.nodeId} is a voter; demoting voters is not supported`;
      return isLearner ? `${cc.nodeId} is already a learner` : null;
    case 'remove-node':
      if (!isVoter && !isLearner) return `${cc.nodeId} is not a member`;
      if (isVoter && conf.voters.length === 1) return 'cannot remove the last voter';
      return null;
  }
}

/**
 * The membership after `cc` (a new object; `conf` is not changed). One server changes at a
 * time, so any majority of the old voters and any majority of the new ones overlap.
 */
export function applyConfChange(conf: ConfState, cc: ConfChange): ConfState {
  const without = (ids: NodeId[]) => ids.filter((id) => id !== cc.nodeId);
  switch (cc.type) {
    case 'add-voter':
      return {
        voters: [...without(conf.voters), cc.nodeId].sort(),
        learners: without(conf.learners),
      };
    case 'add-learner':
      if (conf.voters.includes(cc.nodeId)) return conf;
      return { voters: conf.voters, learners: [...without(conf.learners), cc.nodeId].sort() };
    case 'remove-node':
      return { voters: without(conf.voters), learners: without(conf.learners) };
  }
}
