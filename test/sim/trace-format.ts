import type { Entry, HardState, Message, Ready } from '../../agent/src/raft/types.js';
import { decodeCommandId } from './command-codec.js';

/** A compact one-line rendering of a message for the trace: `MsgApp node1→node2 t3 ...`. */
export function formatMessage(m: Message): string {
  const parts = [`${m.type} ${m.from}→${m.to} t${m.term}`];
  switch (m.type) {
    case 'MsgApp':
      parts.push(`prev=${m.index}/t${m.logTerm}`, `ents${formatEntryRange(m.entries)}`);
      parts.push(`commit=${m.commit}`);
      break;
    case 'MsgAppResp':
      parts.push(`index=${m.index}`);
      if (m.reject) parts.push(`REJECT hint=${m.rejectHint}/t${m.logTerm}`);
      break;
    case 'MsgVote':
    case 'MsgPreVote':
      parts.push(`last=${m.index}/t${m.logTerm}`);
      break;
    case 'MsgVoteResp':
    case 'MsgPreVoteResp':
      parts.push(m.reject ? 'REJECT' : 'GRANT');
      break;
    case 'MsgHeartbeat':
      parts.push(`commit=${m.commit}`);
      break;
    case 'MsgSnap':
      if (m.snapshot !== null) {
        const md = m.snapshot.metadata;
        parts.push(`snap=${md.index}/t${md.term} voters=[${md.confState.voters.join(',')}]`);
      }
      break;
    case 'MsgReadIndexResp':
      parts.push(`index=${m.index}`);
      break;
    case 'MsgProp':
      parts.push(`ents${formatEntryRange(m.entries)}`);
      break;
    default:
      break;
  }
  if (m.context !== '') parts.push(`ctx=${m.context}`);
  return parts.join(' ');
}

/** `[5..8]` (or `[]`): the index range of a run of entries. */
export function formatEntryRange(entries: readonly Entry[]): string {
  if (entries.length === 0) return '[]';
  const first = entries[0]!;
  const last = entries[entries.length - 1]!;
  return first.index === last.index ? `[${first.index}]` : `[${first.index}..${last.index}]`;
}

/** `5/t3:cmd17` — index, term and payload of one entry. */
export function formatEntry(e: Entry): string {
  let payload: string;
  if (e.type === 'conf-change') payload = 'conf';
  else if (e.data.length === 0) payload = 'noop';
  else payload = `cmd${decodeCommandId(e.data) ?? '?'}`;
  return `${e.index}/t${e.term}:${payload}`;
}

/** `{t3 vote=node1 commit=5}`. */
export function formatHardState(h: HardState): string {
  return `{t${h.term} vote=${h.vote ?? '-'} commit=${h.commit}}`;
}

/** A one-line summary of what a Ready asks the driver to do. */
export function formatReady(rd: Ready): string {
  const parts: string[] = [];
  if (rd.softState !== null) parts.push(`soft=${rd.softState.role}/${rd.softState.leader ?? '-'}`);
  if (rd.hardState !== null) parts.push(`hs=${formatHardState(rd.hardState)}`);
  if (rd.snapshot !== null) {
    parts.push(`snap=${rd.snapshot.metadata.index}/t${rd.snapshot.metadata.term}`);
  }
  if (rd.entries.length > 0) {
    parts.push(`persist=[${rd.entries.map(formatEntry).join(' ')}]`);
  }
  if (rd.committedEntries.length > 0) {
    parts.push(`apply=[${rd.committedEntries.map(formatEntry).join(' ')}]`);
  }
  if (rd.messages.length > 0) parts.push(`msgs=${rd.messages.length}`);
  if (rd.readStates.length > 0) {
    parts.push(`reads=[${rd.readStates.map((r) => `${r.context}@${r.index}`).join(' ')}]`);
  }
  parts.push(rd.mustSync ? 'sync' : 'nosync');
  return parts.join(' ');
}
