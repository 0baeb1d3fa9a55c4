// The exclusivity watcher's sampling loop, in its own worker thread so that a test blocked in
// a synchronous command does not leave holes in the record. Every `intervalMs` it reads, for
// every host: whether the host is powered (its link administratively up), the IPv4 addresses
// its kernel owns (fib_trie), and its mount table; and records every sample in which one
// address, or the shared device, is held by two powered hosts at once.
import { readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { mountsOfPid, parseFibTrieLocals } from './sys.js';

export interface WatchedHost {
  name: string;
  /** Open descriptor on /proc/<init>/net/fib_trie: follows the namespace, not the process. */
  trieFd: number;
  /** Open descriptor on the sysfs `flags` of the host's link (bit 0: administratively up). */
  flagsFd: number;
  /** Processes whose mount namespace is the host's, best first (init, then the agent). */
  mountPids: number[];
}

export interface WatchConfig {
  hosts: WatchedHost[];
  /** major:minor of the shared device. */
  device: string;
  intervalMs: number;
  /** Addresses that may legitimately be on every host (none by default). */
  ignore: string[];
}

export interface Overlap {
  kind: 'address' | 'device';
  /** The address, or the device's major:minor. */
  what: string;
  hosts: string[];
  /** First and last sample (ms since the watcher started) that saw it, and how many did. */
  fromMs: number;
  toMs: number;
  samples: number;
}

export type WorkerRequest =
  | { op: 'hosts'; hosts: WatchedHost[] }
  | { op: 'report'; seq: number }
  | { op: 'stop'; seq: number };

export interface WatchReport {
  samples: number;
  /** Longest time between two consecutive samples, in ms: the record's resolution... */
  maxGapMs: number;
  /** ...and when it ended (ms since the watcher started). */
  maxGapAtMs: number;
  /** Gaps longer than three intervals. */
  lateSamples: number;
  /** Samples in which a host could not be read at all (counted as holding nothing). */
  unreadable: number;
  overlaps: Overlap[];
  /** Per host, the addresses and whether the device was held in the last sample. */
  last: Record<string, { on: boolean; addresses: string[]; device: boolean }>;
  /** Wall-clock time (ms since the epoch) at which the watcher started. */
  startedAtMs: number;
}

const buf = Buffer.alloc(1 << 16);

function pread(fd: number): string | undefined {
  try {
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.toString('utf8', 0, n);
  } catch {
    return undefined;
  }
}

function main(): void {
  const port = parentPort;
  if (port === null) return;
  const cfg = workerData as WatchConfig;
  let hosts = cfg.hosts;
  const ignore = new Set(cfg.ignore);
  const startedAtMs = performance.timeOrigin + performance.now();
  const t0 = performance.now();
  let samples = 0;
  let unreadable = 0;
  let maxGapMs = 0;
  let maxGapAtMs = 0;
  let lateSamples = 0;
  let prev: number | undefined;
  const open = new Map<string, Overlap>();
  const closed: Overlap[] = [];
  let last: WatchReport['last'] = {};

  const sample = () => {
    const now = performance.now() - t0;
    if (prev !== undefined) {
      const gap = now - prev;
      if (gap > maxGapMs) {
        maxGapMs = gap;
        maxGapAtMs = now;
      }
      if (gap > 3 * cfg.intervalMs) lateSamples++;
    }
    prev = now;
    samples++;
    const holders = new Map<string, string[]>();
    const snapshot: WatchReport['last'] = {};
    for (const h of hosts) {
      const flags = pread(h.flagsFd);
      const on = flags !== undefined && (parseInt(flags.trim(), 16) & 1) === 1;
      const entry = { on, addresses: [] as string[], device: false };
      snapshot[h.name] = entry;
      // Addresses survive the death of every process of a namespace (a real host's would
      // not), so they count only while the host is powered: its link administratively up.
      const trie = on ? pread(h.trieFd) : '';
      if (trie === undefined) unreadable++;
      else
        for (const a of parseFibTrieLocals(trie)) {
          if (a.startsWith('127.') || ignore.has(a)) continue;
          entry.addresses.push(a);
          const list = holders.get(`address ${a}`) ?? [];
          list.push(h.name);
          holders.set(`address ${a}`, list);
        }
      // Mounts die with the host's last process (its mount namespace goes), so they count
      // whatever the link says.
      for (const pid of h.mountPids) {
        const mounts = mountsOfPid(pid);
        if (mounts === undefined) continue;
        if (mounts.some((m) => m.majmin === cfg.device)) {
          entry.device = true;
          const list = holders.get(`device ${cfg.device}`) ?? [];
          list.push(h.name);
          holders.set(`device ${cfg.device}`, list);
        }
        break;
      }
    }
    last = snapshot;
    const seen = new Set<string>();
    for (const [key, names] of holders) {
      if (names.length < 2) continue;
      const id = `${key} ${names.join(',')}`;
      seen.add(id);
      const o = open.get(id);
      if (o !== undefined) {
        o.toMs = now;
        o.samples++;
      } else {
        const [kind, what] = key.split(' ') as ['address' | 'device', string];
        open.set(id, { kind, what, hosts: names, fromMs: now, toMs: now, samples: 1 });
      }
    }
    for (const [id, o] of open)
      if (!seen.has(id)) {
        closed.push(o);
        open.delete(id);
      }
  };

  const report = (): WatchReport => ({
    samples,
    maxGapMs,
    maxGapAtMs,
    lateSamples,
    unreadable,
    overlaps: [...closed, ...open.values()].map((o) => ({ ...o })),
    last,
    startedAtMs,
  });

  sample();
  const timer = setInterval(sample, cfg.intervalMs);
  port.on('message', (msg: WorkerRequest) => {
    if (msg.op === 'hosts') hosts = msg.hosts;
    else if (msg.op === 'report') port.postMessage({ seq: msg.seq, report: report() });
    else {
      clearInterval(timer);
      sample();
      port.postMessage({ seq: msg.seq, report: report() });
      port.close();
    }
  });
}

main();
