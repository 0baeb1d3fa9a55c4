import type { RaftConfig } from '../../../agent/src/raft/config.js';
import type { ConfChange, Message, MessageType, NodeId } from '../../../agent/src/raft/types.js';
import { describeEntry } from './describe.js';
import { encodeImage, MemoryCluster } from './memory-cluster.js';

/**
 * Script tests in the style of etcd-raft's testdata: a file of commands, each followed by
 * `----` and the output it must produce. `runScript` executes the commands and returns the
 * file as it should read; the test compares it with the file on disk (and rewrites the file
 * when asked, so a behaviour change is reviewed as a diff).
 *
 * Commands (node ids are plain words; lists are comma-separated):
 *   add-nodes 1,2,3 [pre-vote=false] [check-quorum=false] [read-only=lease-based] [election=N]
 *   add-joiner 4                  a node with an empty log that founded nothing
 *   campaign 1 | tick 1 [n=K] | tick-all [n=K]
 *   stabilize [1,2]               handle Readies and deliver messages until quiet
 *   process-ready [1,2]           handle each node's Ready once
 *   deliver [from=1] [to=2] [type=MsgApp]   deliver matching in-flight messages once
 *   drop [from=1] [to=2] [type=MsgApp]
 *   hold [from=1] [to=2] [type=MsgApp]      set matching in-flight messages aside (delayed)
 *   release                       put held messages back in flight (stabilize then delivers)
 *                                 (filter values may be comma lists: type=MsgApp,MsgHeartbeat)
 *   partition 1 | 2,3 | heal | cut 1->2 [type=MsgSnap]   (cut: one direction, optionally
 *                                 losing only the listed message types; heal clears all)
 *   propose 1 DATA | conf-change 1 add-voter|add-learner|remove-node 4
 *   transfer 1 2                  ask node 1 to hand leadership to 2
 *   unreachable 1 3               node 1's driver reports that a send to 3 failed
 *   read-index 1 CTX | compact 1 | restart 1
 *   status [1,2] | applied [1,2]
 *   log [1,2]                     each node's disk: hard state, snapshot, entries
 *   progress 1                    the leader's view of every member (match/next/state)
 *
 * add-nodes options: pre-vote=false check-quorum=false read-only=lease-based election=N
 * max-entries=N (most entries per MsgApp).
 */
export function runScript(text: string): string {
  const cluster = new MemoryCluster();
  const result: string[] = [];
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '' || line.startsWith('#')) {
      result.push(line);
      i++;
      continue;
    }
    // A command, its separator, and the old output up to the next blank line.
    i++;
    if (lines[i] !== '----') throw new Error(`line ${i + 1}: expected ---- after "${line}"`);
    i++;
    while (i < lines.length && lines[i]!.trim() !== '') i++;
    cluster.out = [];
    try {
      runCommand(cluster, line);
    } catch (err) {
      cluster.out.push(`error: ${(err as Error).message}`);
    }
    result.push(line, '----', ...cluster.out);
  }
  while (result.length > 0 && result.at(-1) === '') result.pop();
  return result.join('\n') + '\n';
}

function runCommand(c: MemoryCluster, line: string): void {
  const [cmd, ...rest] = line.trim().split(/\s+/);
  const args = rest.filter((a) => !a.includes('='));
  const opts = new Map(
    rest
      .filter((a) => a.includes('=') && !a.includes('->'))
      .map((a) => a.split('=', 2) as [string, string]),
  );
  const ids = (s: string | undefined): NodeId[] =>
    s === undefined ? [...c.members.keys()] : s.split(',');
  switch (cmd) {
    case 'add-nodes': {
      const founders = ids(args[0]);
      for (const id of founders) c.addNode(id, founders, configOverrides(opts));
      c.out.push(`founded ${founders.join(',')}`);
      return;
    }
    case 'add-joiner':
      c.addNode(args[0]!, null, configOverrides(opts));
      c.out.push(`started ${args[0]} with an empty log`);
      return;
    case 'campaign':
      c.member(args[0]!).node.campaign();
      c.processReady([args[0]!]);
      return;
    case 'tick': {
      const n = Number(opts.get('n') ?? 1);
      for (let k = 0; k < n; k++) c.member(args[0]!).node.tick();
      c.processReady([args[0]!]);
      return;
    }
    case 'tick-all': {
      const n = Number(opts.get('n') ?? 1);
      for (let k = 0; k < n; k++) for (const m of c.members.values()) m.node.tick();
      c.processReady();
      return;
    }
    case 'stabilize':
      if (args[0] === undefined) c.stabilize();
      else {
        const only = new Set(ids(args[0]));
        for (let round = 0; round < 1000; round++) {
          const readied = c.processReady(only);
          const moved = c.deliver((m) => only.has(m.from) && only.has(m.to));
          if (!readied && moved === 0) return;
        }
        throw new Error('no quiescence');
      }
      return;
    case 'process-ready':
      c.processReady(ids(args[0]));
      return;
    case 'deliver':
      c.deliver(messageFilter(opts));
      return;
    case 'drop':
      c.drop(messageFilter(opts));
      return;
    case 'hold':
      c.hold(messageFilter(opts));
      return;
    case 'release':
      c.release();
      return;
    case 'partition': {
      const groups = rest
        .join(' ')
        .split('|')
        .map((g) => g.trim().split(','));
      c.partition(groups);
      c.out.push(`partitioned ${groups.map((g) => `(${g.join(',')})`).join(' ')}`);
      return;
    }
    case 'cut': {
      const [from, to] = args[0]!.split('->');
      const types = opts.get('type')?.split(',') as MessageType[] | undefined;
      c.cutOneWay(from!, to!, types);
      c.out.push(`cut ${from} -> ${to}` + (types === undefined ? '' : ` for ${types.join(',')}`));
      return;
    }
    case 'heal':
      c.heal();
      c.out.push('healed');
      return;
    case 'propose': {
      const r = c.member(args[0]!).node.propose(new TextEncoder().encode(rest.slice(1).join(' ')));
      if (!r.ok) c.out.push(`refused: ${r.error} (${r.reason})`);
      c.processReady([args[0]!]);
      return;
    }
    case 'conf-change': {
      const cc: ConfChange = { type: args[1] as ConfChange['type'], nodeId: args[2]! };
      const r = c.member(args[0]!).node.proposeConfChange(cc);
      if (!r.ok) c.out.push(`refused: ${r.error} (${r.reason})`);
      c.processReady([args[0]!]);
      return;
    }
    case 'transfer':
      c.member(args[0]!).node.transferLeadership(args[1]!);
      c.processReady([args[0]!]);
      return;
    case 'unreachable':
      c.member(args[0]!).node.reportUnreachable(args[1]!);
      c.processReady([args[0]!]);
      return;
    case 'read-index':
      c.member(args[0]!).node.readIndex(args[1]!);
      c.processReady([args[0]!]);
      return;
    case 'compact': {
      const m = c.member(args[0]!);
      const snap = m.node.compact(m.node.status().applied, encodeImage(m.applied));
      m.disk.snapshot = snap;
      m.disk.entries = m.disk.entries.filter((e) => e.index > snap.metadata.index);
      c.out.push(`${args[0]} compacted to ${snap.metadata.term}/${snap.metadata.index}`);
      return;
    }
    case 'restart':
      c.restart(args[0]!);
      c.out.push(`${args[0]} restarted`);
      c.processReady([args[0]!]);
      return;
    case 'status':
      for (const id of ids(args[0])) {
        const s = c.member(id).node.status();
        const conf =
          `voters=(${s.confState.voters.join(',')})` +
          (s.confState.learners.length > 0 ? ` learners=(${s.confState.learners.join(',')})` : '');
        c.out.push(
          `${id}: ${s.role} term ${s.term} leader ${s.leader ?? 'none'} commit ${s.commit} applied ${s.applied} last ${s.lastIndex} ${conf}` +
            (s.role === 'leader' ? ` lease ${s.leaseValid ? 'valid' : 'none'}` : '') +
            (s.leadTransferee !== null ? ` transferee ${s.leadTransferee}` : ''),
        );
      }
      return;
    case 'log':
      for (const id of ids(args[0])) {
        const d = c.member(id).disk;
        const hs = d.hardState;
        const snap =
          d.snapshot === null ? 'none' : `${d.snapshot.metadata.term}/${d.snapshot.metadata.index}`;
        c.out.push(
          `${id}: term ${hs.term} vote ${hs.vote ?? 'none'} commit ${hs.commit} snapshot ${snap}` +
            ` entries [${d.entries.map(describeEntry).join(' ')}]`,
        );
      }
      return;
    case 'progress': {
      const s = c.member(args[0]!).node.status();
      if (s.role !== 'leader') {
        c.out.push(`${args[0]} is not the leader`);
        return;
      }
      for (const [id, pr] of Object.entries(s.progress).sort(([a], [b]) => a.localeCompare(b))) {
        c.out.push(
          `${id}: ${pr.state} match ${pr.match} next ${pr.next}` +
            (pr.isLearner ? ' learner' : '') +
            (pr.recentActive ? ' active' : ''),
        );
      }
      return;
    }
    case 'applied':
      for (const id of ids(args[0])) c.out.push(`${id}: [${c.member(id).applied.join(' ')}]`);
      return;
    default:
      throw new Error(`unknown command ${cmd}`);
  }
}

function configOverrides(opts: Map<string, string>): Partial<RaftConfig> {
  const o: Partial<RaftConfig> = {};
  if (opts.has('pre-vote')) o.preVote = opts.get('pre-vote') === 'true';
  if (opts.has('check-quorum')) o.checkQuorum = opts.get('check-quorum') === 'true';
  if (opts.has('read-only')) o.readOnly = opts.get('read-only') as RaftConfig['readOnly'];
  if (opts.has('election')) o.electionTicks = Number(opts.get('election'));
  if (opts.has('max-entries')) o.maxEntriesPerAppend = Number(opts.get('max-entries'));
  return o;
}

function messageFilter(opts: Map<string, string>): (m: Message) => boolean {
  const list = (key: string): string[] | undefined => opts.get(key)?.split(',');
  const from = list('from');
  const to = list('to');
  const types = list('type') as MessageType[] | undefined;
  return (m) =>
    (from === undefined || from.includes(m.from)) &&
    (to === undefined || to.includes(m.to)) &&
    (types === undefined || types.includes(m.type));
}
