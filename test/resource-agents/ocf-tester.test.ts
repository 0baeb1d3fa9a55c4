import test, { type ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeExt4 } from './blockdev.js';
import { makeNet } from './netns.js';
import {
  agentPath,
  IS_ROOT,
  NEEDS_ROOT,
  processesWithEnv,
  quorateOcfRoot,
  signal,
  tag,
  TOOL_PATH,
  which,
} from './ocf.js';

// The project's agents through ClusterLabs' own ocf-tester (shipped in Debian's
// resource-agents): a second opinion on the conformance sequence, with its DTD check.

const OCF_TESTER = which('ocf-tester');
const SKIP = !IS_ROOT
  ? NEEDS_ROOT
  : OCF_TESTER === undefined
    ? "ocf-tester is not installed (Debian's resource-agents)"
    : undefined;
const rootTest = SKIP === undefined ? test : test.skip;
const skipNote = SKIP === undefined ? '' : ` [skipped: ${SKIP}]`;

function ocfTester(
  t: ExecutionContext,
  type: string,
  params: Record<string, string>,
  wrap: string[] = [],
): Promise<{ code: number; output: string }> {
  // A copy: ocf-tester runs meta-data as nobody, who may not reach the work tree.
  const ocfRoot = quorateOcfRoot(t, { copy: true });
  const rsctmp = mkdtempSync(join(tmpdir(), 'qrt-rsctmp-'));
  const id = tag();
  t.teardown(() => {
    // Anything an agent launched and a failed run left behind carries the tag.
    for (const pid of processesWithEnv('QRT_TEST_TAG', id)) signal(pid, 'SIGKILL');
    rmSync(rsctmp, { recursive: true, force: true });
  });
  const args = ['-n', `${type}-tester`];
  for (const [k, v] of Object.entries(params)) args.push('-o', `${k}=${v}`);
  args.push(agentPath({ ocfRoot, provider: 'quorate', type }));
  const argv = [...wrap, OCF_TESTER!, ...args];
  return new Promise((resolve) => {
    execFile(
      argv[0]!,
      argv.slice(1),
      {
        env: {
          PATH: TOOL_PATH,
          LC_ALL: 'C',
          OCF_ROOT: ocfRoot,
          HA_RSCTMP: rsctmp,
          QRT_TEST_TAG: id,
        },
        timeout: 100_000,
        killSignal: 'SIGKILL',
      },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

rootTest(`ocf-tester passes vip in a network namespace${skipNote}`, async (t) => {
  const net = await makeNet(t);
  const r = await ocfTester(t, 'vip', { ip: `${net.prefix}.30`, arp_count: '1' }, [
    'ip',
    'netns',
    'exec',
    net.nsA,
  ]);
  t.is(r.code, 0, r.output);
  t.regex(r.output, /passed all tests/);
});

rootTest(`ocf-tester passes filesystem on an ext4 loop device${skipNote}`, async (t) => {
  const fs = makeExt4(t);
  const r = await ocfTester(t, 'filesystem', {
    device: fs.device,
    directory: fs.mnt,
    fstype: 'ext4',
  });
  t.is(r.code, 0, r.output);
  t.regex(r.output, /passed all tests/);
});

rootTest(`ocf-tester passes process supervising sleep 300${skipNote}`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'qrt-proc-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = await ocfTester(t, 'process', {
    command: 'sleep 300',
    pidfile: join(dir, 'daemon.pid'),
  });
  t.is(r.code, 0, r.output);
  t.regex(r.output, /passed all tests/);
});
