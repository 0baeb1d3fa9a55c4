import type { Message } from '../../agent/src/raft/types.js';
import { copyMessage } from './raft-data-copy.js';
import type { MessageEnvelope } from './sim-network.js';
import { formatMessage } from './trace-format.js';

/**
 * Bare Raft messages on the simulated network (the Raft simulation's nodes exchange nothing
 * else): addressed by their own `from`/`to`, copied as if encoded and decoded, traced in full
 * on delivery and by type and link on a drop.
 */
export const RAFT_MESSAGE_ENVELOPE: MessageEnvelope<Message> = {
  from: (m) => m.from,
  to: (m) => m.to,
  copy: copyMessage,
  describe: formatMessage,
  describeDrop: (m) => `${m.type} ${m.from}→${m.to}`,
};
