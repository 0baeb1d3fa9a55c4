import type { Entry, Message } from '../../../agent/src/raft/types.js';

const decoder = new TextDecoder();

/** One entry as `term/index` plus its payload: `2/5 "x=1"`, `2/4 noop`, `2/6 conf(add-learner 4)`. */
export function describeEntry(e: Entry): string {
  if (e.type === 'conf-change') {
    const cc = JSON.parse(decoder.decode(e.data)) as { type: string; nodeId: string };
    return `${e.term}/${e.index} conf(${cc.type} ${cc.nodeId})`;
  }
  if (e.data.length === 0) return `${e.term}/${e.index} noop`;
  return `${e.term}/${e.index} ${JSON.stringify(decoder.decode(e.data))}`;
}

/** A message in one line with only the fields that matter for its type. */
export function describeMessage(m: Message): string {
  const parts = [`${m.from}->${m.to} ${m.type} term:${m.term}`];
  switch (m.type) {
    case 'MsgApp':
      parts.push(`prev:${m.logTerm}/${m.index} commit:${m.commit}`);
      if (m.entries.length > 0) parts.push(`entries:[${m.entries.map(describeEntry).join(' ')}]`);
      break;
    case 'MsgAppResp':
      parts.push(
        m.reject ? `reject:${m.index} hint:${m.logTerm}/${m.rejectHint}` : `index:${m.index}`,
      );
      break;
    case 'MsgVote':
    case 'MsgPreVote':
      parts.push(`last:${m.logTerm}/${m.index}`);
      if (m.context !== '') parts.push(`(${m.context})`);
      break;
    case 'MsgVoteResp':
    case 'MsgPreVoteResp':
      parts.push(m.reject ? 'rejected' : 'granted');
      break;
    case 'MsgHeartbeat':
      parts.push(`commit:${m.commit}`);
      if (m.context !== '') parts.push(`ctx:${m.context}`);
      break;
    case 'MsgHeartbeatResp':
      if (m.context !== '') parts.push(`ctx:${m.context}`);
      break;
    case 'MsgSnap':
      parts.push(`snapshot:${m.snapshot?.metadata.term}/${m.snapshot?.metadata.index}`);
      break;
    case 'MsgProp':
      parts.push(`entries:[${m.entries.map((e) => describeEntry({ ...e })).join(' ')}]`);
      break;
    case 'MsgReadIndex':
    case 'MsgReadIndexResp':
      parts.push(`ctx:${m.context}`);
      if (m.type === 'MsgReadIndexResp') parts.push(`index:${m.index}`);
      break;
    case 'MsgTransferLeader':
      parts.push(`to:${m.context}`);
      break;
    default:
      break;
  }
  return parts.join(' ');
}
