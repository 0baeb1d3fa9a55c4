// The multi-host harness: N test hosts, each a Linux network namespace with its own private
// mount view, joined by a bridge that lives in a "switch" namespace of its own, a client
// namespace on the same bridge, one real clusterd per host, and a shared ext4 disk on a loop
// device. Faults are methods; observation reads the hosts' kernels; destroy() removes it all.
// See docs/testing-hosts.md.
//
// Layout of one run (TAG: 6 random hex digits, SUBNET: a /24 in 198.18.0.0/15):
//   qrt-TAG-sw   switch namespace: bridge qrt-TAG-br, ports qrt-TAG-p1..pN, qrt-TAG-pc
//   qrt-TAG-hI   host I: eth0 = SUBNET.I/24 (peer of qrt-TAG-pI), lo; init + clusterd on
//                SUBNET.I:7400; a private mount view with a /run of its own
//   qrt-TAG-c    client: eth0 = SUBNET.100/24 (peer of qrt-TAG-pc), lo
//   SUBNET.200+  virtual addresses for tests (vip(k))
//   TMP/qrt-netns-TAG/   owner.json, disk.img (the shared disk), shared/ (its mount point
//                        on every host), hI/data (agent data), hI.log (agent output)
// The root namespace gets nothing: no link, address, route or nft rule. Only `ip netns add`'s
// name files under /run/netns appear there, and go with the namespaces.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HostAgent, type AgentStatus } from './host-agent.js';
import { ExclusivityWatcher, type WatchedHost } from './exclusivity.js';
import { ClientProbe, type ProbeOptions } from './probe.js';
import {
  alive,
  deviceMajMin,
  json,
  loopDevices,
  mountsOfPid,
  netnsIdentity,
  netnsList,
  netnsPids,
  nsOf,
  pollUntil,
  procStat,
  run,
  sh,
  signal,
  TOOL_ENV,
  trySh,
  type MountEntry,
  type ShOptions,
} from './sys.js';

/** Prefix of every namespace the harness makes. */
export const NS_PREFIX = 'qrt-';
/** Prefix of every run directory (under the system temp directory). */
export const RUN_DIR_PREFIX = 'qrt-netns-';
/** The fence agent for test hosts (this file runs from dist/test/netns/). */
export const FENCE_AGENT = fileURLToPath(
  new URL('../../../fence-agents/fence_netns', import.meta.url),
);
/** The project's own OCF agents (provider `quorate`). */
export const QUORATE_AGENTS = fileURLToPath(new URL('../../../resource-agents/', import.meta.url));
/** Name of each host's link inside its namespace (private to the namespace, so not prefixed). */
export const HOST_LINK = 'eth0';
/** The nftables table isolate() puts in a host's namespace. */
export const ISOLATION_TABLE = 'qrt_isolate';
export const AGENT_PORT = 7400;

/** Turn IPv6 off in a namespace (new links inherit `default`); a kernel without IPv6 is fine. */
const DISABLE_IPV6 =
  '[ -d /proc/sys/net/ipv6 ] || exit 0; for k in all default; do echo 1 > /proc/sys/net/ipv6/conf/$k/disable_ipv6; done';

/**
 * A host's init, run as `sh -c INIT_SCRIPT init PREFIX VIEW` in the host's fresh private mount
 * namespace: keep only this run's namespaces under /run/netns (so a host holds no reference
 * to other runs' namespaces, and can fence only its peers), give the host a /run of its own
 * (a tmpfs: OCF agents keep their state in /run/resource-agents, which must not be shared
 * between hosts) with this run's /run/netns moved into it, then become `sleep infinity`.
 */
const INIT_SCRIPT = [
  'set -e',
  'for f in /run/netns/*; do case "${f##*/}" in "$1"*) ;; *) umount "$f" 2>/dev/null || true;; esac; done',
  'mount --rbind /run/netns "$2"',
  'mount -t tmpfs -o mode=0755,size=16m qrt-run /run',
  'mkdir /run/netns',
  'mount --move "$2" /run/netns',
  'exec sleep infinity',
].join('\n');

/** A host by name ('h1'), or by number (1 is h1). */
export type HostRef = string | number;
export type Direction = 'both' | 'in' | 'out';

export interface Host {
  /** h1, h2, ...: also the agent's node id. */
  readonly name: string;
  readonly index: number;
  /** Network namespace, qrt-TAG-hI. */
  readonly ns: string;
  /** The host's own address (on eth0, /24). */
  readonly ip: string;
  /** The host's port on the bridge, in the switch namespace. */
  readonly switchPort: string;
  readonly agent: HostAgent;
  /** The host's init: a `sleep infinity` whose mount namespace is the host's (undefined: off). */
  initPid: number | undefined;
  /** Descriptors the exclusivity watcher reads (see exclusivity-worker.ts). */
  trieFd: number;
  flagsFd: number;
  isolation: Direction | undefined;
}

export interface ClusterOptions {
  /** Number of hosts (default 3). */
  size?: number;
  /** Extra clusterd arguments for every agent (e.g. ['--tick-ms', '20']). */
  agentArgs?: string[];
  /** Start the agents (default true). */
  startAgents?: boolean;
  /** OCF root given to the agents (default: clusterd's own default). */
  ocfRoot?: string;
  /**
   * OCF providers to install in an OCF root of the run (provider name -> directory of agents,
   * e.g. { quorate: QUORATE_AGENTS }); the agents get that root. Overrides `ocfRoot`.
   */
  ocfProviders?: Record<string, string>;
  /** Size of the shared disk in MiB (default 64). */
  diskMiB?: number;
  /** Extra `mkfs.ext4` options for the shared disk (e.g. ['-E', 'root_owner=33:33', '-L', 'storage']). */
  mkfsArgs?: string[];
  /** Start the exclusivity watcher (default true), sampling every `watchIntervalMs` (20). */
  watch?: boolean;
  watchIntervalMs?: number;
}

export interface AddressInfo {
  dev: string;
  address: string;
  prefixlen: number;
  /** The link is administratively up. */
  up: boolean;
  /** The link has carrier (its switch port is up). */
  carrier: boolean;
}

export interface Leftovers {
  namespaces: string[];
  loopDevices: string[];
  mounts: string[];
  runDir: boolean;
  rootLinks: string[];
  rootNftTables: string[];
}

interface IpLink {
  ifname: string;
  flags: string[];
  operstate: string;
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** Start time of this process, to tell a live owner from a reused pid. */
function ownerRecord(): { pid: number; startTime: string } {
  return { pid: process.pid, startTime: procStat(process.pid)?.startTime ?? '' };
}

function ownerAlive(runDir: string): boolean {
  try {
    const o = JSON.parse(readFileSync(join(runDir, 'owner.json'), 'utf8')) as {
      pid: number;
      startTime: string;
    };
    return procStat(o.pid)?.startTime === o.startTime;
  } catch {
    return false;
  }
}

/** Kill every process of a namespace until none is left, at most `timeoutMs`. */
async function killAllIn(ns: string, timeoutMs = 10_000): Promise<boolean> {
  const done = await pollUntil(timeoutMs, 20, () => {
    const pids = netnsPids(ns);
    for (const p of pids) signal(p, 'SIGKILL');
    return pids.length === 0 ? true : undefined;
  });
  return done === true;
}

export class NetnsCluster {
  readonly hosts: Host[] = [];
  readonly prefix: string;
  readonly switchNs: string;
  readonly bridge: string;
  readonly clientNs: string;
  readonly clientIp: string;
  readonly image: string;
  readonly mountPoint: string;
  device = '';
  watcher: ExclusivityWatcher | undefined;
  private readonly probes: ClientProbe[] = [];
  private readonly spawned: ChildProcess[] = [];
  private destroyed: Promise<void> | undefined;

  private constructor(
    readonly tag: string,
    /** First three octets of the run's /24, e.g. '198.18.42'. */
    readonly subnet: string,
    readonly runDir: string,
  ) {
    this.prefix = `${NS_PREFIX}${tag}-`;
    this.switchNs = `${this.prefix}sw`;
    this.bridge = `${this.prefix}br`;
    this.clientNs = `${this.prefix}c`;
    this.clientIp = `${subnet}.100`;
    this.image = join(runDir, 'disk.img');
    this.mountPoint = join(runDir, 'shared');
  }

  /**
   * Build a cluster: sweep leftovers of dead runs, then namespaces, switch, links, disk,
   * hosts' inits, agents and the watcher. On any failure what was built is destroyed.
   */
  static async create(opts: ClusterOptions = {}): Promise<NetnsCluster> {
    await sweep();
    const size = opts.size ?? 3;
    if (size < 1 || size > 50) throw new Error(`size ${size} out of range`);
    let tag = hex(3);
    while (
      existsSync(join(tmpdir(), RUN_DIR_PREFIX + tag)) ||
      netnsList().some((n) => n.startsWith(`${NS_PREFIX}${tag}-`))
    )
      tag = hex(3);
    const rnd = randomBytes(2);
    const subnet = `198.${18 + (rnd[0]! & 1)}.${rnd[1]!}`;
    const runDir = join(tmpdir(), RUN_DIR_PREFIX + tag);
    // The owner record comes first, and the directory appears under its final name with it
    // (rename is atomic): sweep() never sees a run without its owner, leaves it alone while
    // this process lives, and removes it once this process is dead.
    const staging = mkdtempSync(join(tmpdir(), `${RUN_DIR_PREFIX}new-`));
    writeFileSync(join(staging, 'owner.json'), JSON.stringify(ownerRecord()));
    chmodSync(staging, 0o755);
    renameSync(staging, runDir);
    const c = new NetnsCluster(tag, subnet, runDir);
    try {
      await c.build(size, opts);
    } catch (err) {
      await c.destroy().catch(() => undefined);
      throw err;
    }
    return c;
  }

  private async build(size: number, opts: ClusterOptions): Promise<void> {
    // Namespaces first, all of them: each host's private mount view is copied from the root's
    // when its init starts, and keeps only this run's /run/netns entries.
    const names = Array.from({ length: size }, (_, i) => `h${i + 1}`);
    const all = [this.switchNs, this.clientNs, ...names.map((n) => `${this.prefix}${n}`)];
    for (const ns of all) {
      sh('ip', ['netns', 'add', ns]);
      // IPv4 only: no link-local IPv6 addresses, so every address is from 198.18.0.0/15.
      sh('ip', ['netns', 'exec', ns, 'sh', '-c', DISABLE_IPV6]);
      sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    // The switch: a bridge with no address, STP off (ports forward at once).
    sh('ip', [
      '-n',
      this.switchNs,
      'link',
      'add',
      this.bridge,
      'type',
      'bridge',
      'stp_state',
      '0',
      'forward_delay',
      '0',
    ]);
    sh('ip', ['-n', this.switchNs, 'link', 'set', this.bridge, 'up']);
    const plug = (ns: string, port: string, ip: string) => {
      // Created in the switch namespace with the peer placed straight into the host's: the
      // pair never exists in the root namespace.
      sh('ip', [
        '-n',
        this.switchNs,
        'link',
        'add',
        port,
        'type',
        'veth',
        'peer',
        'name',
        HOST_LINK,
        'netns',
        ns,
      ]);
      sh('ip', ['-n', this.switchNs, 'link', 'set', port, 'master', this.bridge]);
      sh('ip', ['-n', this.switchNs, 'link', 'set', port, 'up']);
      sh('ip', ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', HOST_LINK]);
      sh('ip', ['-n', ns, 'link', 'set', HOST_LINK, 'up']);
    };
    plug(this.clientNs, `${this.prefix}pc`, this.clientIp);
    let ocfRoot = opts.ocfRoot;
    if (opts.ocfProviders !== undefined) {
      ocfRoot = join(this.runDir, 'ocf');
      mkdirSync(join(ocfRoot, 'resource.d'), { recursive: true, mode: 0o755 });
      for (const [provider, dir] of Object.entries(opts.ocfProviders))
        symlinkSync(dir, join(ocfRoot, 'resource.d', provider));
    }
    const agentArgs = (name: string, ip: string) => [
      '--id',
      name,
      '--listen',
      `${ip}:${AGENT_PORT}`,
      '--data-dir',
      join(this.runDir, name, 'data'),
      '--founders',
      names.join(','),
      ...names.flatMap((o, j) =>
        o === name ? [] : ['--peer', `${o}=${this.subnet}.${j + 1}:${AGENT_PORT}`],
      ),
      ...(ocfRoot === undefined ? [] : ['--ocf-root', ocfRoot]),
      // Plain text between test hosts: mutual TLS is tested on its own (test/security).
      '--insecure',
      ...(opts.agentArgs ?? []),
    ];
    names.forEach((name, i) => {
      const ns = `${this.prefix}${name}`;
      const ip = `${this.subnet}.${i + 1}`;
      const switchPort = `${this.prefix}p${i + 1}`;
      plug(ns, switchPort, ip);
      mkdirSync(join(this.runDir, name, 'data'), { recursive: true });
      this.hosts.push({
        name,
        index: i + 1,
        ns,
        ip,
        switchPort,
        agent: new HostAgent(
          name,
          `${ip}:${AGENT_PORT}`,
          join(this.runDir, name, 'data'),
          agentArgs(name, ip),
          join(this.runDir, `${name}.log`),
        ),
        initPid: undefined,
        trieFd: -1,
        flagsFd: -1,
        isolation: undefined,
      });
    });

    // The shared disk: one loop device, a global device node every host can see.
    sh('truncate', ['-s', `${opts.diskMiB ?? 64}M`, this.image]);
    sh('mkfs.ext4', ['-q', '-F', ...(opts.mkfsArgs ?? []), this.image], { timeoutMs: 60_000 });
    this.device = sh('losetup', ['-f', '--show', this.image]).trim();
    mkdirSync(this.mountPoint);

    for (const h of this.hosts) await this.startInit(h);
    for (const h of this.hosts) {
      h.trieFd = openSync(`/proc/${h.initPid}/net/fib_trie`, 'r');
      h.flagsFd = openSync(`/proc/${h.initPid}/root/sys/class/net/${HOST_LINK}/flags`, 'r');
    }
    if (opts.watch !== false)
      this.watcher = ExclusivityWatcher.start({
        hosts: this.watchedHosts(),
        device: deviceMajMin(this.device),
        intervalMs: opts.watchIntervalMs ?? 20,
        ignore: [],
      });
    if (opts.startAgents !== false)
      await Promise.all(this.hosts.map((h) => h.agent.start(h.initPid!)));
  }

  /**
   * Start a host's init, `ip netns exec NS unshare --mount --propagation private sh -c INIT_SCRIPT`,
   * which gives the host its own /run and becomes `sleep infinity`. Every process the harness
   * starts in the host joins this init's namespaces (nsenter), so the host has one mount view
   * that outlives agent restarts and dies with the host's last process.
   */
  private async startInit(h: Host): Promise<void> {
    const view = join(this.runDir, h.name, 'netns-view');
    mkdirSync(view, { recursive: true });
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        h.ns,
        'unshare',
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        INIT_SCRIPT,
        'init',
        this.prefix,
        view,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], env: TOOL_ENV },
    );
    this.spawned.push(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const pid = child.pid;
    if (pid === undefined) throw new Error(`${h.name}: could not start init`);
    const rootMnt = nsOf('self', 'mnt');
    const netId = netnsIdentity(h.ns);
    const ok = await pollUntil(10_000, 5, () => {
      if (child.exitCode !== null || child.signalCode !== null) return false;
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      return comm === 'sleep' && nsOf(pid, 'net') === netId && nsOf(pid, 'mnt') !== rootMnt
        ? true
        : undefined;
    });
    if (ok !== true) throw new Error(`${h.name}: init did not come up in ${h.ns}: ${stderr}`);
    h.initPid = pid;
  }

  private watchedHosts(): WatchedHost[] {
    return this.hosts.map((h) => ({
      name: h.name,
      trieFd: h.trieFd,
      flagsFd: h.flagsFd,
      mountPids: [h.initPid, h.agent.pidOrUndefined].filter((p): p is number => p !== undefined),
    }));
  }

  private refreshWatcher(): void {
    this.watcher?.updateHosts(this.watchedHosts());
  }

  // ---------------------------------------------------------------- hosts and processes

  host(ref: HostRef): Host {
    const h =
      typeof ref === 'number' ? this.hosts[ref - 1] : this.hosts.find((x) => x.name === ref);
    if (h === undefined) throw new Error(`no host ${ref}`);
    return h;
  }

  /** The k-th virtual address of this run (k from 0): SUBNET.(200+k). */
  vip(k = 0): string {
    if (k < 0 || k > 54) throw new Error('vip index out of range');
    return `${this.subnet}.${200 + k}`;
  }

  /** Whether the host is powered: its init is alive. */
  isOn(ref: HostRef): boolean {
    const h = this.host(ref);
    return h.initPid !== undefined && alive(h.initPid);
  }

  private enterArgs(h: Host): string[] {
    if (h.initPid === undefined || !alive(h.initPid))
      throw new Error(`${h.name} is off (crashed or fenced); call powerOn first`);
    return ['--target', String(h.initPid), '--mount', '--net', '--'];
  }

  /** Run a command inside a host (its network and mount namespaces); stdout, or throws. */
  exec(ref: HostRef, argv: string[], opts: ShOptions = {}): string {
    return sh('nsenter', [...this.enterArgs(this.host(ref)), ...argv], opts);
  }

  /** Like exec, whatever the exit status. */
  run(ref: HostRef, argv: string[], opts: ShOptions = {}): ReturnType<typeof run> {
    return run('nsenter', [...this.enterArgs(this.host(ref)), ...argv], opts);
  }

  /** Start a long-running process inside a host (killed with the host or at destroy). */
  spawnIn(ref: HostRef, argv: string[]): ChildProcess {
    const child = spawn('nsenter', [...this.enterArgs(this.host(ref)), ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: TOOL_ENV,
    });
    this.spawned.push(child);
    return child;
  }

  /** Run a command in the client namespace, whatever its exit status. */
  runClient(argv: string[], opts: ShOptions = {}): ReturnType<typeof run> {
    return run('ip', ['netns', 'exec', this.clientNs, ...argv], opts);
  }

  /** Every process of the host, from `ip netns pids`. */
  pidsOf(ref: HostRef): number[] {
    return netnsPids(this.host(ref).ns);
  }

  /** Mount the shared disk on the host, at `mountPoint` (the same path on every host). */
  mountShared(ref: HostRef): void {
    this.exec(ref, ['mount', this.device, this.mountPoint]);
  }

  umountShared(ref: HostRef): void {
    this.exec(ref, ['umount', this.mountPoint]);
  }

  // ---------------------------------------------------------------- agents

  /** Agents that run and are not stopped by SIGSTOP. */
  liveAgents(): HostAgent[] {
    return this.hosts
      .filter((h) => h.agent.running && procStat(h.agent.pid)?.state !== 'T')
      .map((h) => h.agent);
  }

  /**
   * Wait until every live agent (or those of `among`) names the same leader in the same term,
   * and that leader says it leads. Polls every `intervalMs`, at most `timeoutMs`.
   */
  async waitForLeader(
    opts: { timeoutMs?: number; intervalMs?: number; among?: HostRef[] } = {},
  ): Promise<{ leader: string; term: number }> {
    const timeoutMs = opts.timeoutMs ?? 20_000;
    let last = 'no answer yet';
    const found = await pollUntil(timeoutMs, opts.intervalMs ?? 50, async () => {
      const agents =
        opts.among === undefined ? this.liveAgents() : opts.among.map((r) => this.host(r).agent);
      const statuses: AgentStatus[] = await Promise.all(agents.map((a) => a.status(2_000)));
      const views = new Set(statuses.map((s) => `${s.leader}@${s.term}`));
      last = statuses.map((s) => `${s.id}:${s.leader}@${s.term}`).join(' ');
      const s0 = statuses[0];
      if (views.size !== 1 || s0 === undefined || s0.leader === null) return undefined;
      const leaderStatus = statuses.find((s) => s.id === s0.leader);
      if (leaderStatus !== undefined)
        return leaderStatus.role === 'leader' ? { leader: s0.leader, term: s0.term } : undefined;
      // The leader is outside `among`: ask it too.
      const l = this.hosts.find((h) => h.name === s0.leader)?.agent;
      const ls = l === undefined ? undefined : await l.status(2_000);
      return ls?.role === 'leader' && ls.term === s0.term
        ? { leader: s0.leader, term: s0.term }
        : undefined;
    });
    if (found === undefined)
      throw new Error(`no agreed leader within ${timeoutMs} ms (saw: ${last})`);
    return found;
  }

  /**
   * Every agent's JSON log records at or after `sinceMs` (their `time`), with the host whose
   * log holds them; lines that are not JSON are left out. In no particular order.
   */
  logRecords(sinceMs = 0): { host: string; record: LogRecord }[] {
    const out: { host: string; record: LogRecord }[] = [];
    for (const h of this.hosts) {
      let text: string;
      try {
        text = readFileSync(h.agent.logPath, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const record = JSON.parse(line) as LogRecord;
          if (typeof record.time === 'number' && record.time >= sinceMs)
            out.push({ host: h.name, record });
        } catch {
          // a line cut short
        }
      }
    }
    return out;
  }

  /** The last `lines` lines of every agent's log (for a failing test's output). */
  logTails(lines = 20): string {
    return this.hosts
      .map((h) => {
        let text: string;
        try {
          text = readFileSync(h.agent.logPath, 'utf8');
        } catch {
          text = '(no log)';
        }
        return `--- ${h.name}\n${text.trimEnd().split('\n').slice(-lines).join('\n')}`;
      })
      .join('\n');
  }

  // ---------------------------------------------------------------- faults

  /**
   * A host crash (power loss): its link goes administratively down, then every process of
   * the namespace is killed with SIGKILL until none is left. Its mount namespace dies with
   * its last process. Addresses stay configured in the namespace, inert while the link is
   * down; powerOn() clears them as a reboot would.
   */
  async crashHost(ref: HostRef): Promise<void> {
    const h = this.host(ref);
    sh('ip', ['-n', h.ns, 'link', 'set', HOST_LINK, 'down']);
    if (!(await killAllIn(h.ns))) throw new Error(`${h.name}: processes survive SIGKILL`);
    if (!(await h.agent.waitExit())) throw new Error(`${h.name}: agent exit not seen`);
    h.initPid = undefined;
    this.refreshWatcher();
  }

  /**
   * Boot a host that crashed or was fenced: addresses back to its own only, links up, a new
   * init (a fresh mount view: nothing mounted), and the agent from its data directory.
   */
  async powerOn(ref: HostRef, opts: { startAgent?: boolean } = {}): Promise<void> {
    const h = this.host(ref);
    if (this.isOn(h.name)) throw new Error(`${h.name} is already on`);
    if (!(await killAllIn(h.ns))) throw new Error(`${h.name}: stray processes survive SIGKILL`);
    await h.agent.waitExit();
    sh('ip', ['-n', h.ns, 'addr', 'flush', 'dev', HOST_LINK]);
    sh('ip', ['-n', h.ns, 'addr', 'add', `${h.ip}/24`, 'dev', HOST_LINK]);
    sh('ip', ['-n', h.ns, 'link', 'set', 'lo', 'up']);
    sh('ip', ['-n', h.ns, 'link', 'set', HOST_LINK, 'up']);
    await this.startInit(h);
    this.refreshWatcher();
    if (opts.startAgent !== false) {
      await h.agent.start(h.initPid!);
      this.refreshWatcher();
    }
  }

  /** Kill the agent alone (SIGKILL): what it started keeps running, addresses stay. */
  async killAgent(ref: HostRef): Promise<void> {
    await this.host(ref).agent.kill('SIGKILL');
    this.refreshWatcher();
  }

  /** Stop (SIGKILL by default) and start the host's agent again, from its data directory. */
  async restartAgent(ref: HostRef, sig: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const h = this.host(ref);
    await h.agent.kill(sig);
    if (h.initPid === undefined || !alive(h.initPid))
      throw new Error(`${h.name} is off (crashed or fenced); call powerOn instead`);
    await h.agent.start(h.initPid);
    this.refreshWatcher();
  }

  /** Freeze the agent (SIGSTOP), as a stalled VM or a long pause would; waits for state T. */
  async pauseAgent(ref: HostRef): Promise<void> {
    const a = this.host(ref).agent;
    signal(a.pid, 'SIGSTOP');
    const ok = await pollUntil(5_000, 5, () => (procStat(a.pid)?.state === 'T' ? true : undefined));
    if (ok === undefined) throw new Error(`${a.id}: agent did not stop`);
  }

  async resumeAgent(ref: HostRef): Promise<void> {
    const a = this.host(ref).agent;
    signal(a.pid, 'SIGCONT');
    const ok = await pollUntil(5_000, 5, () => (procStat(a.pid)?.state !== 'T' ? true : undefined));
    if (ok === undefined) throw new Error(`${a.id}: agent did not resume`);
  }

  /**
   * Pull the host's cable: its port on the bridge goes down, so the host sees its link lose
   * carrier (its link stays administratively up, its addresses stay, as on a real host).
   */
  async linkDown(ref: HostRef): Promise<void> {
    const h = this.host(ref);
    sh('ip', ['-n', this.switchNs, 'link', 'set', h.switchPort, 'down']);
    const ok = await pollUntil(5_000, 5, () => (this.linkOf(h.name).carrier ? undefined : true));
    if (ok === undefined) throw new Error(`${h.name}: carrier still up`);
  }

  async linkUp(ref: HostRef): Promise<void> {
    const h = this.host(ref);
    sh('ip', ['-n', this.switchNs, 'link', 'set', h.switchPort, 'up']);
    // Carrier follows at once unless the host's own side is down (host off).
    if (!this.linkOf(h.name).up) return;
    const ok = await pollUntil(5_000, 5, () => (this.linkOf(h.name).carrier ? true : undefined));
    if (ok === undefined) throw new Error(`${h.name}: no carrier after link up`);
  }

  /**
   * One-way or full loss of IP traffic, by nftables rules in the host's namespace at its
   * link: 'in' drops what arrives (the host can send, not receive), 'out' drops what it
   * sends, 'both' both. Drops are silent (netdev ingress/egress hooks: senders see no error,
   * as with loss on the wire). ARP is left alone, so neighbours still resolve.
   */
  isolate(ref: HostRef, direction: Direction): void {
    const h = this.host(ref);
    const chains: string[] = [];
    if (direction !== 'out')
      chains.push(
        `chain in { type filter hook ingress device "${HOST_LINK}" priority -500; policy accept; meta protocol { ip, ip6 } drop; }`,
      );
    if (direction !== 'in')
      chains.push(
        `chain out { type filter hook egress device "${HOST_LINK}" priority -500; policy accept; meta protocol { ip, ip6 } drop; }`,
      );
    // Declare, delete and recreate in one transaction: replaces an earlier isolation atomically.
    const script = [
      `table netdev ${ISOLATION_TABLE}`,
      `delete table netdev ${ISOLATION_TABLE}`,
      `table netdev ${ISOLATION_TABLE} {`,
      ...chains.map((c) => `  ${c}`),
      '}',
      '',
    ].join('\n');
    sh('ip', ['netns', 'exec', h.ns, 'nft', '-f', '-'], { input: script });
    const listed = sh('ip', [
      'netns',
      'exec',
      h.ns,
      'nft',
      'list',
      'table',
      'netdev',
      ISOLATION_TABLE,
    ]);
    const want = [
      direction !== 'out' ? 'hook ingress' : '',
      direction !== 'in' ? 'hook egress' : '',
    ];
    if (!want.every((w) => listed.includes(w)))
      throw new Error(`${h.name}: isolation rules not in place: ${listed}`);
    h.isolation = direction;
  }

  /** Remove a host's isolation rules. */
  unisolate(ref: HostRef): void {
    const h = this.host(ref);
    trySh('ip', ['netns', 'exec', h.ns, 'nft', 'delete', 'table', 'netdev', ISOLATION_TABLE]);
    h.isolation = undefined;
  }

  /** Undo every network fault: isolation rules removed, every switch port up. Power and paused agents are left as they are. */
  async heal(): Promise<void> {
    for (const h of this.hosts) {
      this.unisolate(h.name);
      await this.linkUp(h.name);
    }
  }

  /** Run the fence agent against a host's namespace (stdin protocol). */
  fence(ref: HostRef, action: string, extra: Record<string, string> = {}): ReturnType<typeof run> {
    const lines = { action, plug: this.host(ref).ns, ...extra };
    const input = Object.entries(lines)
      .map(([k, v]) => `${k}=${v}\n`)
      .join('');
    return run(FENCE_AGENT, [], { input, timeoutMs: 60_000 });
  }

  /** Note that a host was powered off from outside (e.g. by the fence agent). */
  async noteOff(ref: HostRef): Promise<void> {
    const h = this.host(ref);
    await h.agent.waitExit();
    if (h.initPid !== undefined && !alive(h.initPid)) h.initPid = undefined;
    this.refreshWatcher();
  }

  // ---------------------------------------------------------------- observation

  /** IPv4 addresses configured in the host's namespace, per link, with the link's state. */
  addressesOf(ref: HostRef): AddressInfo[] {
    const links = json<IpLink[]>('ip', ['-n', this.host(ref).ns, '-j', 'addr', 'show']);
    return links.flatMap((l) =>
      (l.addr_info ?? [])
        .filter((a) => a.family === 'inet')
        .map((a) => ({
          dev: l.ifname,
          address: a.local,
          prefixlen: a.prefixlen,
          up: l.flags.includes('UP'),
          carrier: l.flags.includes('LOWER_UP'),
        })),
    );
  }

  /** The state of the host's link: administratively up, carrier. */
  linkOf(ref: HostRef): { up: boolean; carrier: boolean; operstate: string } {
    const l = json<IpLink[]>('ip', [
      '-n',
      this.host(ref).ns,
      '-j',
      'link',
      'show',
      'dev',
      HOST_LINK,
    ])[0]!;
    return {
      up: l.flags.includes('UP'),
      carrier: l.flags.includes('LOWER_UP'),
      operstate: l.operstate,
    };
  }

  /**
   * The host's mount table: /proc/<init>/mountinfo (the init's mount namespace is the host's;
   * the agent's is tried when the init is gone). Empty when the host is off.
   */
  mountsOf(ref: HostRef): MountEntry[] {
    const h = this.host(ref);
    for (const pid of [h.initPid, h.agent.pidOrUndefined])
      if (pid !== undefined) {
        const m = mountsOfPid(pid);
        if (m !== undefined) return m;
      }
    return [];
  }

  /**
   * Hosts that hold an address: configured in their namespace while their link is
   * administratively up (the watcher's rule; carrier does not matter: a host cut off by a
   * partition still holds what it has).
   */
  whoHolds(ip: string): string[] {
    return this.hosts
      .filter((h) => {
        const addrs = this.addressesOf(h.name);
        return this.linkOf(h.name).up && addrs.some((a) => a.address === ip);
      })
      .map((h) => h.name);
  }

  /** Hosts on which a directory is a mount point, or (for a /dev path) a device is mounted. */
  whoMounts(target: string): string[] {
    const byDevice = target.startsWith('/dev/');
    const majmin = byDevice ? deviceMajMin(target) : undefined;
    return this.hosts
      .filter((h) =>
        this.mountsOf(h.name).some((m) =>
          byDevice ? m.majmin === majmin : m.mountpoint === target,
        ),
      )
      .map((h) => h.name);
  }

  /** Start a client probe in the client namespace (stopped at destroy if still running). */
  async probe(url: string, opts: ProbeOptions = {}): Promise<ClientProbe> {
    const p = await ClientProbe.start(this.clientNs, url, opts);
    this.probes.push(p);
    return p;
  }

  // ---------------------------------------------------------------- clean-up

  /** What of this run is still on the machine (all empty/false after destroy()). */
  leftovers(): Leftovers {
    return {
      namespaces: netnsList().filter((n) => n.startsWith(this.prefix)),
      loopDevices: loopDevices()
        .filter((l) => l.backFile.startsWith(`${this.runDir}/`))
        .map((l) => l.name),
      mounts: (mountsOfPid('self') ?? [])
        .filter((m) => m.mountpoint.startsWith(this.runDir) || m.mountpoint.includes(this.prefix))
        .map((m) => m.mountpoint),
      runDir: existsSync(this.runDir),
      rootLinks: json<{ ifname: string }[]>('ip', ['-j', 'link', 'show'])
        .map((l) => l.ifname)
        .filter((n) => n.startsWith(this.prefix)),
      rootNftTables: run('nft', ['list', 'tables'])
        .stdout.split('\n')
        .filter((l) => l.includes(ISOLATION_TABLE) || l.includes(this.tag)),
    };
  }

  /**
   * Remove everything this run made: probes, watcher, every process in its namespaces, the
   * namespaces (their links, bridge and nft tables go with them), the loop device, any mount
   * under the run directory, and the directory. Every wait is bounded; throws listing what is
   * left if anything is. Idempotent.
   */
  destroy(): Promise<void> {
    this.destroyed ??= this.teardown();
    return this.destroyed;
  }

  private async teardown(): Promise<void> {
    for (const p of this.probes) p.kill();
    await this.watcher?.stop().catch(() => undefined);
    for (const c of this.spawned)
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const h of this.hosts) await h.agent.kill('SIGKILL').catch(() => undefined);
    for (const h of this.hosts)
      for (const fd of [h.trieFd, h.flagsFd]) {
        if (fd >= 0) {
          try {
            closeSync(fd);
          } catch {
            // already closed
          }
        }
        h.trieFd = -1;
        h.flagsFd = -1;
      }
    await removeRun(this.prefix, this.runDir);
    const left = this.leftovers();
    const problems = [
      ...left.namespaces.map((n) => `namespace ${n}`),
      ...left.loopDevices.map((d) => `loop device ${d}`),
      ...left.mounts.map((m) => `mount ${m}`),
      ...(left.runDir ? [`directory ${this.runDir}`] : []),
    ];
    if (problems.length > 0) throw new Error(`destroy left: ${problems.join(', ')}`);
  }
}

/**
 * Remove one run's namespaces (named `prefix`...), loop devices, mounts and directory, with
 * bounded waits.
 */
async function removeRun(prefix: string, runDir: string): Promise<void> {
  const namespaces = netnsList().filter((n) => n.startsWith(prefix));
  // Hosts first (their private mount views hold the others' /run/netns entries), then all.
  for (const ns of namespaces) await killAllIn(ns);
  for (const ns of namespaces) {
    trySh('ip', ['netns', 'exec', ns, 'nft', 'delete', 'table', 'netdev', ISOLATION_TABLE]);
    trySh('ip', ['netns', 'del', ns]);
  }
  await pollUntil(10_000, 20, () =>
    netnsList().some((n) => n.startsWith(prefix)) ? undefined : true,
  );
  // Mounts in the root view under the run directory (the harness makes none; a test might).
  for (let round = 0; round < 5; round++) {
    const mounts = (mountsOfPid('self') ?? [])
      .filter((m) => m.mountpoint === runDir || m.mountpoint.startsWith(`${runDir}/`))
      .sort((a, b) => b.mountpoint.length - a.mountpoint.length);
    if (mounts.length === 0) break;
    for (const m of mounts)
      if (!trySh('umount', [m.mountpoint])) trySh('umount', ['-l', m.mountpoint]);
  }
  // Loop devices backed by files of the run. A device still held by a dying mount namespace
  // is marked autoclear by the kernel and goes once released: poll for it.
  const ours = () => loopDevices().filter((l) => l.backFile.startsWith(`${runDir}/`));
  await pollUntil(10_000, 50, () => {
    const left = ours();
    for (const l of left) trySh('losetup', ['-d', l.name]);
    return left.length === 0 ? true : undefined;
  });
  rmSync(runDir, { recursive: true, force: true });
}

/** One line of an agent's JSON log (pino): its time (ms since the epoch) and message. */
export type LogRecord = { time: number; msg: string } & Record<string, unknown>;

export interface SweepResult {
  /** Tags of the dead runs removed. */
  runs: string[];
  namespaces: string[];
  loopDevices: string[];
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Remove what crashed earlier runs left: runs whose owner process is gone (owner.json in the
 * run directory), namespaces named like this harness's (`PREFIX<6 hex>-h<N>|c|sw`) without a
 * live run, loop devices backed by a file in a dead run's directory, and half-made run
 * directories of dead processes. Runs of live processes (other test files running now) are
 * left alone, and so are namespaces of other suites (their names do not have this shape).
 */
export async function sweep(prefix = NS_PREFIX): Promise<SweepResult> {
  const result: SweepResult = { runs: [], namespaces: [], loopDevices: [] };
  const base = tmpdir();
  const liveTags = new Set<string>();
  const deadTags = new Set<string>();
  const runDirRe = new RegExp(`^${escapeRe(RUN_DIR_PREFIX)}([0-9a-f]{6})$`);
  const stagingRe = new RegExp(`^${escapeRe(RUN_DIR_PREFIX)}new-`);
  const nsRe = new RegExp(`^${escapeRe(prefix)}([0-9a-f]{6})-(h\\d+|c|sw)$`);
  const loopRe = new RegExp(`^${escapeRe(join(base, RUN_DIR_PREFIX))}([0-9a-f]{6})/`);
  for (const d of readdirSync(base)) {
    const m = runDirRe.exec(d);
    if (m !== null) (ownerAlive(join(base, d)) ? liveTags : deadTags).add(m[1]!);
    else if (stagingRe.test(d) && !ownerAlive(join(base, d)))
      rmSync(join(base, d), { recursive: true, force: true });
  }
  for (const ns of netnsList()) {
    const m = nsRe.exec(ns);
    if (m !== null && !liveTags.has(m[1]!)) {
      deadTags.add(m[1]!);
      result.namespaces.push(ns);
    }
  }
  for (const l of loopDevices()) {
    const m = loopRe.exec(l.backFile);
    if (m !== null && !liveTags.has(m[1]!)) {
      deadTags.add(m[1]!);
      result.loopDevices.push(l.name);
    }
  }
  for (const tag of deadTags) {
    result.runs.push(tag);
    await removeRun(`${prefix}${tag}-`, join(base, RUN_DIR_PREFIX + tag));
  }
  return result;
}
