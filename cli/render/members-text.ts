import type { MembersReply } from '../../agent/src/api/admin-messages.js';
import { renderTable } from './table.js';

/** The Raft membership: leader and term, then one row per member with its progress. */
export function renderMembers(m: MembersReply): string {
  const out: string[] = [];
  const leader = m.leader === '' ? 'NO LEADER' : `leader ${m.leader}`;
  out.push(
    `${leader}, term ${m.term}, commit ${m.commitIndex}, last index ${m.lastIndex} (answered by ${m.answeredBy})`,
  );
  for (const w of m.warnings) out.push(`WARNING: ${w}`);
  out.push(
    renderTable(
      ['id', 'role', 'address', 'match', 'lag', 'replication', 'active'],
      m.members.map((x) => [
        x.id,
        x.role,
        x.address,
        x.progressKnown ? String(x.matchIndex) : '?',
        x.progressKnown ? String(x.lag) : '?',
        x.progressKnown ? x.state : '?',
        x.progressKnown ? (x.recentActive ? 'yes' : 'NO') : '?',
      ]),
    ),
  );
  return out.join('\n');
}
