// Two network namespaces joined by a veth pair, for the virtual-IP tests: the agent runs in
// `qrt-ra-TAG` (link qrt-a-TAG), a client in `qrt-rc-TAG` (link qrt-c-TAG) watches what the
// agent announces. Addresses come from 198.18.0.0/15 only; no traffic leaves the namespaces.
import type { ExecutionContext } from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { alive, cmdline, pollUntil, sh, signal, tag, TOOL_PATH } from './ocf.js';

export interface Net {
  tag: string;
  /** Namespace the agent runs in, and its end of the veth. */
  nsA: string;
  nicA: string;
  /** Client namespace, and its end of the veth. */
  nsC: string;
  nicC: string;
  /** The first three octets of the /24 the pair shares (198.18.x or 198.19.x). */
  prefix: string;
  macA: string;
}

interface Link {
  operstate: string;
  flags: string[];
  address: string;
}

function json<T>(args: string[]): T {
  return JSON.parse(sh('ip', ['-j', ...args])) as T;
}

export function link(ns: string, nic: string): Link {
  return json<Link[]>(['-n', ns, 'link', 'show', 'dev', nic])[0]!;
}

/** IPv4 addresses on a link, as "address/prefixlen". */
export function addrs(ns: string, nic: string): string[] {
  const info = json<{ addr_info: { family: string; local: string; prefixlen: number }[] }[]>([
    '-n',
    ns,
    'addr',
    'show',
    'dev',
    nic,
  ]);
  return (info[0]?.addr_info ?? [])
    .filter((a) => a.family === 'inet')
    .map((a) => `${a.local}/${a.prefixlen}`);
}

/** The client's neighbour-table MAC for an address, if it has an entry. */
export function neighMac(ns: string, ip: string, nic: string): string | undefined {
  const n = json<{ dst: string; lladdr?: string }[]>(['-n', ns, 'neigh', 'show', ip, 'dev', nic]);
  return n.find((e) => e.dst === ip)?.lladdr;
}

/** Plants a stale entry, as a client that last saw the address on another node would have. */
export function seedNeigh(ns: string, ip: string, nic: string, mac: string): void {
  sh('ip', ['-n', ns, 'neigh', 'replace', ip, 'lladdr', mac, 'dev', nic, 'nud', 'stale']);
}

export function netnsPids(ns: string): number[] {
  return sh('ip', ['netns', 'pids', ns], { allowFail: true })
    .split('\n')
    .filter((l) => /^\d+$/.test(l.trim()))
    .map(Number);
}

/** Live arping processes in the namespace that announce `ip`. */
export function arpings(ns: string, ip: string): number[] {
  return netnsPids(ns).filter((pid) => {
    const argv = cmdline(pid);
    return (
      argv !== undefined && /(^|\/)arping$/.test(argv[0] ?? '') && argv.includes(ip) && alive(pid)
    );
  });
}

function destroyNs(ns: string): void {
  for (const pid of netnsPids(ns)) signal(pid, 'SIGKILL');
  sh('ip', ['netns', 'del', ns], { allowFail: true });
}

/** Creates the pair (torn down with the test, also on failure) and waits for carrier. */
export async function makeNet(t: ExecutionContext): Promise<Net> {
  const id = tag();
  const net: Net = {
    tag: id,
    nsA: `qrt-ra-${id}`,
    nicA: `qrt-a-${id}`,
    nsC: `qrt-rc-${id}`,
    nicC: `qrt-c-${id}`,
    prefix: `198.${randomInt(18, 20)}.${randomInt(0, 256)}`,
    macA: '',
  };
  t.teardown(() => {
    destroyNs(net.nsA);
    destroyNs(net.nsC);
  });
  sh('ip', ['netns', 'add', net.nsA]);
  sh('ip', ['netns', 'add', net.nsC]);
  sh(
    'ip',
    ['-n', net.nsA, 'link', 'add', net.nicA, 'type', 'veth'].concat([
      'peer',
      'name',
      net.nicC,
      'netns',
      net.nsC,
    ]),
  );
  // No kernel-initiated gratuitous ARP on link changes: every ARP the client sees is the agent's.
  sh('ip', [
    'netns',
    'exec',
    net.nsA,
    'sh',
    '-c',
    `for f in all default ${net.nicA}; do echo 0 > /proc/sys/net/ipv4/conf/$f/arp_notify; done`,
  ]);
  sh('ip', ['-n', net.nsA, 'addr', 'add', `${net.prefix}.1/24`, 'dev', net.nicA]);
  sh('ip', ['-n', net.nsC, 'addr', 'add', `${net.prefix}.2/24`, 'dev', net.nicC]);
  for (const [ns, nic] of [
    [net.nsA, net.nicA],
    [net.nsC, net.nicC],
  ] as const) {
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    sh('ip', ['-n', ns, 'link', 'set', nic, 'up']);
  }
  const up = await pollUntil(10_000, 50, () =>
    link(net.nsA, net.nicA).operstate === 'UP' ? true : undefined,
  );
  if (up === undefined) throw new Error(`${net.nicA} did not come up`);
  net.macA = link(net.nsA, net.nicA).address;
  return net;
}

export interface ArpFrame {
  op: 'request' | 'reply';
  /** Ethernet source and destination. */
  src: string;
  dst: string;
  /** ARP sender protocol address (and, for requests, the target protocol address). */
  sender: string;
  target: string | undefined;
  /** ARP sender hardware address (replies print it). */
  senderMac: string | undefined;
}

/** tcpdump on a link inside a namespace, collecting ARP frames. */
export class ArpCapture {
  private readonly lines: string[] = [];
  private constructor(private readonly child: ChildProcess) {}

  static async start(t: ExecutionContext, ns: string, nic: string): Promise<ArpCapture> {
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        ns,
        'tcpdump',
        '-i',
        nic,
        '-n',
        '-e',
        '-t',
        '-l',
        '--immediate-mode',
        'arp',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: TOOL_PATH, LC_ALL: 'C' } },
    );
    const cap = new ArpCapture(child);
    t.teardown(() => cap.stop());
    let stderr = '';
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      cap.lines.push(...parts);
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const listening = await pollUntil(10_000, 50, () =>
      stderr.includes('listening on') ? true : undefined,
    );
    if (listening === undefined) {
      cap.stop();
      throw new Error(`tcpdump did not start: ${stderr}`);
    }
    return cap;
  }

  frames(): ArpFrame[] {
    const out: ArpFrame[] = [];
    for (const l of this.lines) {
      const req =
        /^(\S+) > (\S+), ethertype ARP \(0x0806\), length \d+: Request who-has (\S+)(?: \(\S+\))? tell (\S+),/.exec(
          l,
        );
      if (req !== null) {
        out.push({
          op: 'request',
          src: req[1]!,
          dst: req[2]!,
          target: req[3]!,
          sender: req[4]!,
          senderMac: undefined,
        });
        continue;
      }
      const rep =
        /^(\S+) > (\S+), ethertype ARP \(0x0806\), length \d+: Reply (\S+) is-at (\S+),/.exec(l);
      if (rep !== null) {
        out.push({
          op: 'reply',
          src: rep[1]!,
          dst: rep[2]!,
          sender: rep[3]!,
          target: undefined,
          senderMac: rep[4]!,
        });
      }
    }
    return out;
  }

  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
