import test from 'ava';
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AGENTS_DIR,
  checkMetaData,
  OCF,
  runAgent,
  which,
  type AgentSpec,
  quorateOcfRoot,
} from './ocf.js';

// Static conformance of the project's agents: meta-data, dispatch and shell hygiene. No root
// needed; nothing is started.

const AGENTS = ['vip', 'filesystem', 'process', 'systemd-unit'];
const CONTENT_TYPES = new Set(['string', 'integer', 'boolean', 'time']);

for (const type of AGENTS) {
  test(`${type}: meta-data is well-formed OCF (xmllint against ra-api-1.dtd when installed), names every action with a timeout, describes every parameter`, async (t) => {
    const spec: AgentSpec = {
      label: type,
      ocfRoot: quorateOcfRoot(t),
      provider: 'quorate',
      type,
      params: {},
    };
    const md = await checkMetaData(t, spec);
    for (const p of md.parameters) {
      t.true(p.longdesc, `${type}.${p.name} has a longdesc`);
      t.true(p.shortdesc, `${type}.${p.name} has a shortdesc`);
      t.true(CONTENT_TYPES.has(p.contentType ?? ''), `${type}.${p.name} content type`);
    }
    t.true(
      md.actions.some((a) => a.name === 'monitor' && a.interval !== undefined),
      'monitor has a default interval',
    );
    t.true(
      md.parameters.some((p) => p.required),
      'at least one required parameter',
    );
  });

  test(`${type}: usage is 0, an unknown action is 3 (OCF_ERR_UNIMPLEMENTED) even without parameters`, async (t) => {
    const spec: AgentSpec = {
      label: type,
      ocfRoot: quorateOcfRoot(t),
      provider: 'quorate',
      type,
      params: {},
    };
    const usage = await runAgent(spec, 'usage');
    t.is(usage.rc, OCF.SUCCESS);
    t.regex(usage.stdout, /usage:/);
    for (const action of ['reload', 'promote', 'migrate_to', 'bogus']) {
      const r = await runAgent(spec, action);
      t.is(r.rc, OCF.ERR_UNIMPLEMENTED, `${type} ${action}`);
    }
  });

  test(`${type}: executable, parses as POSIX sh, self-contained (no ocf-shellfuncs), shellcheck-clean when shellcheck is installed`, (t) => {
    const path = join(AGENTS_DIR, type);
    t.notThrows(() => accessSync(path, constants.X_OK), 'mode +x');
    const text = readFileSync(path, 'utf8');
    t.true(text.startsWith('#!/bin/sh\n'), 'POSIX sh shebang');
    t.false(/ocf-shellfuncs|OCF_FUNCTIONS_DIR/.test(text), 'does not source ocf-shellfuncs');
    const parse = spawnSync('sh', ['-n', path], { encoding: 'utf8', timeout: 30_000 });
    t.is(parse.status, 0, parse.stderr);
    const shellcheck = which('shellcheck');
    if (shellcheck === undefined) {
      t.log('shellcheck not installed: skipped the lint');
      return;
    }
    const sc = spawnSync(shellcheck, ['-s', 'sh', path], { encoding: 'utf8', timeout: 60_000 });
    t.is(sc.status, 0, sc.stdout);
  });
}
