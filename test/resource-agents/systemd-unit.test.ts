import test, { type ExecutionContext } from 'ava';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  conformance,
  describe,
  IS_ROOT,
  OCF,
  quorateOcfRoot,
  runAgent,
  sh,
  tag,
  trySh,
  type AgentSpec,
} from './ocf.js';

// ocf:quorate:systemd-unit. Its conformance run needs a running systemd (and root); where
// systemd is not PID 1 it is registered as skipped, and the test that runs instead checks the
// agent's answer on such a node: 5 (not installed) for every action but meta-data.

const SYSTEMD_DIR = '/run/systemd/system';
const SYSTEMD = existsSync(SYSTEMD_DIR);

function spec(t: ExecutionContext, unit: string | undefined): AgentSpec {
  return {
    label: 'systemd-unit',
    ocfRoot: quorateOcfRoot(t),
    provider: 'quorate',
    type: 'systemd-unit',
    instance: `unit-${tag()}`,
    params: unit === undefined ? {} : { unit },
    timeoutMs: 120_000,
  };
}

if (!SYSTEMD) {
  test(`without systemd (${SYSTEMD_DIR} missing): start, stop, monitor and validate-all return 5 with an exit reason naming systemd; meta-data still works`, async (t) => {
    const s = spec(t, 'qrt-example.service');
    for (const action of ['start', 'stop', 'monitor', 'validate-all']) {
      const r = await runAgent(s, action);
      t.is(r.rc, OCF.ERR_INSTALLED, describe(s, action, r));
      t.regex(r.reasons.join(' '), /systemd is not running/);
    }
    t.is((await runAgent(s, 'meta-data')).rc, OCF.SUCCESS);
  });
  test.skip(`conformance: systemd-unit start/stop/monitor of a real unit [skipped: systemd is not running on this machine (${SYSTEMD_DIR} is missing); the no-systemd answer is tested instead]`, () => {});
} else if (!IS_ROOT) {
  test.skip(`conformance: systemd-unit start/stop/monitor of a real unit [skipped: needs root to install a unit]`, () => {});
} else {
  test(`conformance: systemd-unit on a runtime unit running sleep 300; systemctl is-active agrees after each step; an unknown unit is 5 for validate-all, 7 for monitor, 0 for stop`, async (t) => {
    const unit = `qrt-ra-${tag()}.service`;
    const file = join(SYSTEMD_DIR, unit);
    t.teardown(() => {
      trySh('systemctl', ['stop', unit]);
      rmSync(file, { force: true });
      trySh('systemctl', ['daemon-reload']);
      trySh('systemctl', ['reset-failed', unit]);
    });
    writeFileSync(
      file,
      '[Unit]\nDescription=Quorate resource-agent test unit\n\n[Service]\nExecStart=/bin/sleep 300\n',
    );
    sh('systemctl', ['daemon-reload']);
    const s = spec(t, unit);
    await conformance(t, s, {
      isActive: () => sh('systemctl', ['is-active', unit], { allowFail: true }).trim() === 'active',
    });

    const missing = spec(t, `qrt-missing-${tag()}.service`);
    t.is((await runAgent(missing, 'validate-all')).rc, OCF.ERR_INSTALLED);
    t.is((await runAgent(missing, 'monitor')).rc, OCF.NOT_RUNNING);
    t.is((await runAgent(missing, 'stop')).rc, OCF.SUCCESS);
  });
}
