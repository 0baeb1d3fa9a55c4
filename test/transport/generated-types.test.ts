import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

import test from 'ava';

import { findRaftProto } from '../../agent/src/transport/raft-proto.js';

/**
 * The generator flags. They must match PROTO_LOAD_OPTIONS in raft-proto.ts and the package's
 * proto generation script; this test regenerates into a scratch directory and compares.
 */
const GENERATOR_FLAGS = [
  '--longs=Number',
  '--enums=String',
  '--defaults',
  '--oneofs',
  '--grpcLib=@grpc/grpc-js',
  '--importFileExtension=.js',
];
const GENERATED_DIR = join('agent', 'src', 'transport', 'generated');

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 8) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path, depth + 1);
      else out.push(relative(root, path));
    }
  };
  walk(root, 0);
  return out.sort();
}

test('the generated types are up to date with proto/raft.proto', (t) => {
  const protoPath = findRaftProto();
  const repoRoot = dirname(dirname(protoPath));
  const generator = createRequire(import.meta.url).resolve(
    '@grpc/proto-loader/build/bin/proto-loader-gen-types.js',
  );
  const scratch = mkdtempSync(join(tmpdir(), 'raft-proto-types-'));
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
  const run = spawnSync(
    process.execPath,
    [generator, ...GENERATOR_FLAGS, `--outDir=${scratch}`, relative(repoRoot, protoPath)],
    { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 },
  );
  t.is(run.status, 0, run.stderr);
  const committed = join(repoRoot, GENERATED_DIR);
  const fresh = listFiles(scratch);
  t.deepEqual(listFiles(committed), fresh, 'regenerate the types: see docs/transport.md');
  for (const file of fresh) {
    t.is(
      readFileSync(join(committed, file), 'utf8'),
      readFileSync(join(scratch, file), 'utf8'),
      `${file} is stale: regenerate the types (see docs/transport.md)`,
    );
  }
});
