import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  alive,
  cmdline,
  conformance,
  describe,
  IS_ROOT,
  NEEDS_ROOT,
  OCF,
  pollUntil,
  processesWithEnv,
  procStat,
  quorateOcfRoot,
  runAgent,
  sh,
  signal,
  tag,
  TOOL_PATH,
  type AgentSpec,
} from './ocf.js';

// ocf:quorate:process supervising real processes. The test reads /proc itself to see what runs.

const rootTest = IS_ROOT ? test : test.skip;
const skipNote = IS_ROOT ? '' : ` [skipped: ${NEEDS_ROOT}]`;

interface Ctx {
  spec: AgentSpec;
  dir: string;
  pidfile: string;
  log: string;
  /** Value of QRT_TEST_TAG in the agent's (and so the daemon's) environment. */
  id: string;
}

function setup(t: ExecutionContext, params: Record<string, string>): Ctx {
  const dir = mkdtempSync(join(tmpdir(), 'qrt-proc-'));
  chmodSync(dir, 0o755);
  const pidfile = join(dir, 'run', 'daemon.pid');
  const log = join(dir, 'log', 'daemon.log');
  const id = tag();
  const spec: AgentSpec = {
    label: 'process',
    ocfRoot: quorateOcfRoot(t),
    provider: 'quorate',
    type: 'process',
    instance: `proc-${id}`,
    params: { pidfile, logfile: log, stop_timeout: '5', ...params },
    // Every process the agent launches inherits QRT_TEST_TAG: found and killed at teardown
    // whatever the agent did.
    env: { HA_RSCTMP: dir, QRT_TEST_TAG: id },
    timeoutMs: 60_000,
  };
  t.teardown(() => {
    for (const pid of processesWithEnv('QRT_TEST_TAG', id)) signal(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  return { spec, dir, pidfile, log, id };
}

function pidOf(pidfile: string): number | undefined {
  if (!existsSync(pidfile)) return undefined;
  const n = Number(readFileSync(pidfile, 'utf8').trim());
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Live processes of a session (the command and anything it started). */
function sessionMembers(sid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => procStat(pid)?.session === sid && alive(pid));
}

/** A process the test owns, unrelated to the agent. */
function stranger(t: ExecutionContext, argv: string[]): number {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', env: { PATH: TOOL_PATH } });
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  return child.pid!;
}

rootTest(
  `conformance: sleep 300 as a daemon; the pidfile names a live 'sleep 300' after start and that pid is gone after stop${skipNote}`,
  async (t) => {
    const c = setup(t, { command: 'sleep 300' });
    let last: number | undefined;
    await conformance(t, c.spec, {
      isActive: () => {
        const pid = pidOf(c.pidfile);
        if (pid !== undefined) last = pid;
        if (pid !== undefined) return alive(pid) && cmdline(pid)?.join(' ') === 'sleep 300';
        return last !== undefined && alive(last) && cmdline(last)?.join(' ') === 'sleep 300';
      },
    });
    t.truthy(last);
  },
);

rootTest(
  `start: own session and process group, runs as user in cwd, output appended to the log file${skipNote}`,
  async (t) => {
    const c = setup(t, {
      command: `sh -c 'echo "user=$(id -un) cwd=$(pwd)"; echo to-stderr >&2; exec sleep 300'`,
      user: 'nobody',
    });
    c.spec.params.cwd = c.dir;
    const r = await runAgent(c.spec, 'start');
    t.is(r.rc, OCF.SUCCESS, describe(c.spec, 'start', r));
    const pid = pidOf(c.pidfile)!;
    const st = procStat(pid)!;
    t.is(st.session, pid, 'session leader');
    t.is(st.pgrp, pid, 'process-group leader');
    t.deepEqual(cmdline(pid), ['sleep', '300'], 'the pidfile names the command itself');
    // The command exec'd (sh → sleep) after start saw it: still the same process.
    const mon = await runAgent(c.spec, 'monitor');
    t.is(mon.rc, OCF.SUCCESS, describe(c.spec, 'monitor after the wrapper exec', mon));
    const uid = Number(sh('id', ['-u', 'nobody']).trim());
    t.regex(readFileSync(`/proc/${pid}/status`, 'utf8'), new RegExp(`\\nUid:\\s+${uid}\\s`));
    const log = await pollUntil(5_000, 50, () => {
      const text = readFileSync(c.log, 'utf8');
      return text.includes('to-stderr') ? text : undefined;
    });
    t.regex(log ?? '', new RegExp(`user=nobody cwd=${c.dir}`));
    t.is((await runAgent(c.spec, 'stop')).rc, OCF.SUCCESS);
    t.false(alive(pid));
  },
);

rootTest(
  `pid-reuse guard: a pidfile naming an unrelated live process the agent never started → monitor 7, stop 0, and the process lives on${skipNote}`,
  async (t) => {
    const c = setup(t, { command: 'sleep 300' });
    const other = stranger(t, ['sleep', '300']);
    sh('mkdir', ['-p', join(c.dir, 'run')]);
    writeFileSync(c.pidfile, `${other}\n`);
    t.is((await runAgent(c.spec, 'monitor')).rc, OCF.NOT_RUNNING);
    t.is((await runAgent(c.spec, 'stop')).rc, OCF.SUCCESS);
    t.true(alive(other), 'stop did not signal a stranger');
    t.false(existsSync(c.pidfile), 'the stale pidfile is gone');
  },
);

rootTest(
  `pid-reuse guard: the daemon dies and its pid file comes to name a new process with the very same command line → monitor 7 (start time differs), stop leaves it alone, start launches a fresh one${skipNote}`,
  async (t) => {
    const c = setup(t, { command: 'sleep 300' });
    t.is((await runAgent(c.spec, 'start')).rc, OCF.SUCCESS);
    const pid = pidOf(c.pidfile)!;
    signal(pid, 'SIGKILL');
    t.truthy(await pollUntil(5_000, 20, () => (alive(pid) ? undefined : true)));

    const lookalike = stranger(t, ['sleep', '300']);
    t.deepEqual(cmdline(lookalike), ['sleep', '300'], 'same argv as the daemon');
    writeFileSync(c.pidfile, `${lookalike}\n`);
    const mon = await runAgent(c.spec, 'monitor');
    t.is(mon.rc, OCF.NOT_RUNNING, describe(c.spec, 'monitor', mon));
    t.regex(mon.stderr, /pid reused/);
    t.is((await runAgent(c.spec, 'stop')).rc, OCF.SUCCESS);
    t.true(alive(lookalike), 'stop did not signal the look-alike');

    t.is((await runAgent(c.spec, 'start')).rc, OCF.SUCCESS);
    const fresh = pidOf(c.pidfile)!;
    t.not(fresh, lookalike);
    t.is((await runAgent(c.spec, 'monitor')).rc, OCF.SUCCESS);
    t.is((await runAgent(c.spec, 'stop')).rc, OCF.SUCCESS);
    t.true(alive(lookalike));
  },
);

rootTest(
  `stop escalation: TERM goes to the whole process group first (the trap logs it), then KILL after stop_timeout for a daemon that ignores TERM; nothing of the group survives${skipNote}`,
  async (t) => {
    const c = setup(t, {
      command: `sh -c 'trap "echo got-TERM" TERM; while :; do sleep 0.2; done'`,
      stop_timeout: '1',
    });
    t.is((await runAgent(c.spec, 'start')).rc, OCF.SUCCESS);
    const pid = pidOf(c.pidfile)!;
    t.truthy(
      await pollUntil(5_000, 20, () => (sessionMembers(pid).length >= 2 ? true : undefined)),
      'the daemon runs a child in its group',
    );
    const stop = await runAgent(c.spec, 'stop');
    t.is(stop.rc, OCF.SUCCESS, describe(c.spec, 'stop', stop));
    t.regex(readFileSync(c.log, 'utf8'), /got-TERM/, 'TERM was delivered first');
    t.regex(stop.stderr, /KILL/);
    t.deepEqual(sessionMembers(pid), [], 'no process of the session is left');
    t.is((await runAgent(c.spec, 'monitor')).rc, OCF.NOT_RUNNING);
  },
);

rootTest(
  `monitor 1 when the daemon died but a process of its group lives on; stop kills the leftover${skipNote}`,
  async (t) => {
    const c = setup(t, { command: `sh -c 'sleep 300 & exec sleep 301'` });
    t.is((await runAgent(c.spec, 'start')).rc, OCF.SUCCESS);
    const pid = pidOf(c.pidfile)!;
    const child = await pollUntil(5_000, 20, () =>
      sessionMembers(pid).find((p) => p !== pid && cmdline(p)?.join(' ') === 'sleep 300'),
    );
    t.truthy(child);
    signal(pid, 'SIGKILL');
    t.truthy(await pollUntil(5_000, 20, () => (alive(pid) ? undefined : true)));
    const mon = await runAgent(c.spec, 'monitor');
    t.is(mon.rc, OCF.ERR_GENERIC, describe(c.spec, 'monitor', mon));
    t.regex(mon.reasons.join(' '), /remain/);
    t.is((await runAgent(c.spec, 'stop')).rc, OCF.SUCCESS);
    t.false(alive(child!));
    t.is((await runAgent(c.spec, 'monitor')).rc, OCF.NOT_RUNNING);
  },
);

rootTest(
  `start fails (1) with an exit reason when the command exits at once; validate-all: 6 for a missing command, unknown user, bad stop_timeout, relative pidfile; 5 for a binary that is not installed or a missing cwd${skipNote}`,
  async (t) => {
    const c = setup(t, { command: 'sleep 300' });
    const quick = await runAgent(c.spec, 'start', { params: { command: 'false' } });
    t.is(quick.rc, OCF.ERR_GENERIC, describe(c.spec, 'start false', quick));
    t.regex(quick.reasons.join(' '), /exited during start/);
    t.is((await runAgent(c.spec, 'monitor')).rc, OCF.NOT_RUNNING);

    // A failed start leaves nothing running: here the command's child outlives it.
    const leaky = await runAgent(c.spec, 'start', {
      params: { command: `sh -c 'sleep 300 & exit 3'` },
    });
    t.is(leaky.rc, OCF.ERR_GENERIC, describe(c.spec, 'start of a command that exits', leaky));
    t.deepEqual(processesWithEnv('QRT_TEST_TAG', c.id), [], 'nothing of the failed start runs');
    t.false(existsSync(c.pidfile));

    const cases: [Record<string, string | undefined>, number][] = [
      [{}, OCF.SUCCESS],
      [{ command: undefined }, OCF.ERR_CONFIGURED],
      [{ user: 'qrt-no-such-user' }, OCF.ERR_CONFIGURED],
      [{ stop_timeout: 'soon' }, OCF.ERR_CONFIGURED],
      [{ pidfile: 'relative.pid' }, OCF.ERR_CONFIGURED],
      [{ command: '/nonexistent/qrt-daemon --flag' }, OCF.ERR_INSTALLED],
      [{ cwd: join(c.dir, 'no-such-dir') }, OCF.ERR_INSTALLED],
    ];
    for (const [params, want] of cases) {
      const r = await runAgent(c.spec, 'validate-all', { params });
      t.is(r.rc, want, describe(c.spec, `validate-all ${JSON.stringify(params)}`, r));
      if (want !== OCF.SUCCESS) t.true(r.reasons.length > 0, 'with an exit reason');
    }
  },
);
