import test from 'ava';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runScript } from './harness/script.js';

// Script tests: each file under test/raft/testdata/ is a scenario with its expected output.
// Run with QUORATE_REWRITE=1 to rewrite the files from the current behaviour, then review
// the change with `git diff test/raft/testdata/`.
const dir = resolve('test/raft/testdata');
const rewrite = process.env['QUORATE_REWRITE'] === '1';

for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.txt'))
  .sort()) {
  test(`script ${file}`, (t) => {
    const path = join(dir, file);
    const expected = readFileSync(path, 'utf8');
    const actual = runScript(expected);
    if (rewrite) {
      writeFileSync(path, actual);
      t.pass();
    } else
      t.is(actual, expected, `${file} differs; rerun with QUORATE_REWRITE=1 and review the diff`);
  });
}
