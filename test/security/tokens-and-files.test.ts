import test from 'ava';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caFingerprint } from '../../agent/src/security/ca-fingerprint.js';
import { certificateProblem } from '../../agent/src/security/certificate-check.js';
import {
  createCertificateRequest,
  generateKeyPair,
  publicKeyOfRequest,
} from '../../agent/src/security/certificate-authority.js';
import { identityOfSubject } from '../../agent/src/security/certificate-identity.js';
import { initCluster } from '../../agent/src/security/cluster-init.js';
import { insecureFromEnv } from '../../agent/src/security/insecure-flag.js';
import {
  formatJoinToken,
  generateJoinToken,
  parseJoinToken,
} from '../../agent/src/security/join-token.js';
import { rolesFor } from '../../agent/src/security/peer-authorization.js';
import { TokenStore } from '../../agent/src/security/token-store.js';

const HOUR_MS = 3_600_000;

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'qrt-sec-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('init writes a CA, a node and an admin certificate with tight modes, and never overwrites', async (t) => {
  const dir = join(tempDir(t), 'tls');
  const now = Date.now();
  const r = await initCluster({
    dir,
    clusterId: 'prod',
    nodeId: 'node1',
    adminName: 'ops',
    tokenTtlMs: HOUR_MS,
    nowMs: now,
  });
  t.is(statSync(dir).mode & 0o777, 0o700);
  for (const key of ['ca.key', 'node.key', 'admin.key'])
    t.is(statSync(join(dir, key)).mode & 0o777, 0o600, key);
  for (const cert of ['ca.crt', 'node.crt', 'admin.crt'])
    t.is(statSync(join(dir, cert)).mode & 0o777, 0o644, cert);
  t.is(statSync(join(dir, 'tokens')).mode & 0o777, 0o700);
  const ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
  t.is(r.caFingerprint, caFingerprint(ca));
  for (const [file, role, name] of [
    ['node.crt', 'node', 'node1'],
    ['admin.crt', 'admin', 'ops'],
  ] as const) {
    const pem = readFileSync(join(dir, file), 'utf8');
    t.is(certificateProblem(pem, ca, now), null, file);
    t.deepEqual(identityOfSubject(new X509Certificate(pem).subject), {
      role,
      name,
      clusterId: 'prod',
    });
  }
  // The token names this CA and is stored only as a hash.
  const parsed = parseJoinToken(r.token!);
  t.true(parsed.ok);
  if (parsed.ok) {
    t.is(parsed.token.caFingerprint, r.caFingerprint);
    const stored = readFileSync(join(dir, 'tokens', `${parsed.token.id}.json`), 'utf8');
    t.false(stored.includes(parsed.token.secret));
  }
  const before = readFileSync(join(dir, 'ca.key'), 'utf8');
  await t.throwsAsync(
    initCluster({
      dir,
      clusterId: 'prod',
      nodeId: 'node1',
      adminName: 'ops',
      tokenTtlMs: 0,
      nowMs: now,
    }),
    { message: /ca\.crt already exists.*never overwrites/ },
  );
  t.is(readFileSync(join(dir, 'ca.key'), 'utf8'), before);
});

test('init refuses names that cannot go in a certificate, before writing anything', async (t) => {
  const dir = join(tempDir(t), 'tls');
  await t.throwsAsync(
    initCluster({
      dir,
      clusterId: 'prod',
      nodeId: 'node 1, O=evil',
      adminName: 'ops',
      tokenTtlMs: 0,
      nowMs: Date.now(),
    }),
    { message: /node id "node 1, O=evil" is not a valid name/ },
  );
  t.throws(() => readdirSync(dir));
});

test('a join token is used once; a wrong secret does not use it up; an expired one is refused', (t) => {
  const store = new TokenStore(join(tempDir(t), 'tokens'));
  const token = generateJoinToken(`sha256:${'ab'.repeat(32)}`);
  store.add(token, HOUR_MS, 1000);
  t.deepEqual(store.consume(token.id, 'x'.repeat(16), 2000), {
    ok: false,
    refusal: 'wrong-secret',
  });
  t.deepEqual(store.consume(token.id, token.secret, 2000), { ok: true });
  t.deepEqual(store.consume(token.id, token.secret, 2000), { ok: false, refusal: 'used' });
  t.deepEqual(store.consume('zzzzzz', token.secret, 2000), { ok: false, refusal: 'unknown' });
  const late = generateJoinToken(token.caFingerprint);
  store.add(late, HOUR_MS, 1000);
  t.deepEqual(store.consume(late.id, late.secret, 1000 + HOUR_MS), {
    ok: false,
    refusal: 'expired',
  });
  t.deepEqual(store.list(), []);
});

test('join tokens round-trip through their text form; malformed ones are refused', (t) => {
  const token = generateJoinToken(`sha256:${'0f'.repeat(32)}`);
  const text = formatJoinToken(token);
  t.regex(text, /^QRT1\.[a-z0-9]{6}\.[a-z0-9]{16}\.[0-9a-f]{64}$/);
  t.deepEqual(parseJoinToken(text), { ok: true, token });
  for (const bad of ['', 'QRT1.abc.def', text.slice(0, -1), text.replace('QRT1', 'QRT2')])
    t.false(parseJoinToken(bad).ok, bad);
});

test('a certificate request proves possession of its key; a tampered one is refused', async (t) => {
  const keys = await generateKeyPair();
  const pem = await createCertificateRequest(keys, 'node2');
  await t.notThrowsAsync(publicKeyOfRequest(pem));
  await t.throwsAsync(publicKeyOfRequest('not a request'), { message: /not a PEM/ });
  // Flip one byte inside the signed body.
  const lines = pem.split('\n');
  const body = Buffer.from(lines.slice(1, -2).join(''), 'base64');
  body[40] = body[40]! ^ 0xff;
  const tampered = [lines[0], body.toString('base64'), ...lines.slice(-2)].join('\n');
  await t.throwsAsync(publicKeyOfRequest(tampered));
});

test('roles: Bootstrap is open, the admin API takes node or admin, the rest only nodes', (t) => {
  t.is(rolesFor('/quorate.admin.Bootstrap/Join'), null);
  t.deepEqual(rolesFor('/quorate.admin.Admin/Status'), ['node', 'admin']);
  t.deepEqual(rolesFor('/quorate.admin.Admin/SetPeerAddress'), ['node']);
  t.deepEqual(rolesFor('/quorate.raft.RaftTransport/Stream'), ['node']);
  t.deepEqual(rolesFor('/quorate.liveness.Liveness/Renew'), ['node']);
  t.deepEqual(rolesFor('/something.Else/New'), ['node']);
});

test('QUORATE_INSECURE is on only when clearly on; anything unclear is refused', (t) => {
  for (const on of ['1', 'true', 'YES']) t.true(insecureFromEnv({ QUORATE_INSECURE: on }), on);
  for (const off of [undefined, '', '0', 'false', 'no'])
    t.false(insecureFromEnv({ QUORATE_INSECURE: off }), String(off));
  t.throws(() => insecureFromEnv({ QUORATE_INSECURE: 'maybe' }), {
    message: /QUORATE_INSECURE="maybe" is not understood/,
  });
});
