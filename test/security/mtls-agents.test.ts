import test from 'ava';
import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newAdminClient } from '../../agent/src/api/admin-proto.js';
import { livenessClient } from '../../agent/src/node/lease-rpc.js';
import { GrpcTransport } from '../../agent/src/transport/grpc-transport.js';
import { clusterChannelCredentials } from '../../agent/src/security/tls-credentials.js';
import { AgentProcess, freePort, pollUntil } from '../harness/agent-processes.js';
import { runSecureCli } from './security-cli.js';

// Mutual TLS against real agent processes: init, a TLS agent, clusterctl with and without
// credentials, raw gRPC calls without or with the wrong certificate, join with a one-time
// token, a second TLS agent replicating, and an agent of another CA kept out.

/** A unary method of a generic client, as proto-loader builds it. */
type UnaryMethod = (
  request: object,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null) => void,
) => grpc.ClientUnaryCall;

/** Call Admin/Status with `credentials`; the gRPC status code (OK = 0). */
function statusCode(address: string, credentials: grpc.ChannelCredentials): Promise<number> {
  const client = newAdminClient(address, credentials, {
    'grpc.ssl_target_name_override': 'quorate-node',
  });
  const method = (client as unknown as Record<string, UnaryMethod>)['Status']!;
  return new Promise((resolve) => {
    method.call(client, {}, { deadline: Date.now() + 5000 }, (err) => {
      client.close();
      resolve(err === null ? grpc.status.OK : err.code);
    });
  });
}

test('mutual TLS: certificates admit, their absence refuses, a token admits one node once', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'qrt-mtls-'));
  const agents: AgentProcess[] = [];
  t.teardown(async () => {
    await Promise.all(agents.map((a) => a.kill('SIGKILL')));
    if (process.env['QUORATE_KEEP_AGENT_LOGS'] === '1') console.error(`kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  });
  const tls1 = join(root, 'tls-node1');
  const tls2 = join(root, 'tls-node2');
  const foreign = join(root, 'tls-foreign');
  const [port1, port2, port3] = await Promise.all([freePort(), freePort(), freePort()]);
  const addr1 = `127.0.0.1:${port1}`;
  const addr2 = `127.0.0.1:${port2}`;
  const addr3 = `127.0.0.1:${port3}`;

  /** Agent `id` on `address`, its data and log under the test's root; not started. */
  const agentAt = (id: string, address: string, extra: string[]) =>
    new AgentProcess(
      id,
      address,
      join(root, `data-${id}`),
      ['--id', id, '--listen', address, '--data-dir', join(root, `data-${id}`), ...extra],
      join(root, `${id}.log`),
    );
  /** Start agent `id` (killed in the teardown) and wait until it is ready. */
  const startAgent = async (id: string, address: string, extra: string[]) => {
    const agent = agentAt(id, address, extra);
    agents.push(agent);
    await agent.start();
    return agent;
  };
  /** clusterctl with node1's admin certificate, against `endpoint`. */
  const asAdmin = (endpoint: string, args: string[]) =>
    runSecureCli(['--tls-dir', tls1, '--endpoint', endpoint, ...args]);
  /** clusterctl join against node1 as `nodeId` with `token`, keeping what it gets in `tlsDir`. */
  const joinAs = (tlsDir: string, nodeId: string, token: string) =>
    runSecureCli([
      '--tls-dir',
      tlsDir,
      '--endpoint',
      addr1,
      'join',
      '--node-id',
      nodeId,
      '--token',
      token,
    ]);

  // init on node1's host.
  const init = await runSecureCli([
    '--tls-dir',
    tls1,
    'init',
    '--node-id',
    'node1',
    '--address',
    addr1,
    '-o',
    'json',
  ]);
  t.is(init.code, 0, init.stderr);
  const initView = JSON.parse(init.stdout) as { token: string; caFingerprint: string };

  // An agent without TLS material (and without --insecure) refuses to start.
  const bare = agentAt('node9', addr3, ['--founders', 'node9', '--tls-dir', join(root, 'nothing')]);
  await t.throwsAsync(bare.start(), { message: /exited \(1\) before ready/ });
  t.regex(
    readFileSync(join(root, 'node9.log'), 'utf8'),
    /no TLS material for this node in .*--insecure/,
  );

  const node1 = await startAgent('node1', addr1, ['--founders', 'node1', '--tls-dir', tls1]);

  // clusterctl with the admin certificate: served.
  const members = await pollUntil(15_000, 200, async () => {
    const r = await asAdmin(addr1, ['members', '-o', 'json']);
    return r.code === 0 && (JSON.parse(r.stdout) as { leader: string }).leader === 'node1'
      ? r
      : undefined;
  });
  t.truthy(members, 'clusterctl members over mTLS');

  // clusterctl without credentials: refused before anything is sent; in plaintext: no answer.
  const noCreds = await runSecureCli([
    '--tls-dir',
    join(root, 'empty'),
    '--endpoint',
    addr1,
    'members',
  ]);
  t.is(noCreds.code, 2);
  t.regex(noCreds.stderr, /no admin credentials in .*clusterctl init/);
  const plain = await runSecureCli(['--insecure', '--endpoint', addr1, 'members']);
  t.is(plain.code, 3, plain.stderr);

  // Raw gRPC: TLS without a client certificate, and with a certificate of another CA, both
  // trusting the real CA so only the server's check can refuse them.
  const foreignInit = await runSecureCli([
    '--tls-dir',
    foreign,
    'init',
    '--node-id',
    'node3',
    '--token-ttl',
    '0s',
  ]);
  t.is(foreignInit.code, 0, foreignInit.stderr);
  const ca = readFileSync(join(tls1, 'ca.crt'), 'utf8');
  const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');
  const noCert = grpc.credentials.createSsl(Buffer.from(ca), null, null, {
    checkServerIdentity: () => undefined,
  });
  t.is(await statusCode(addr1, noCert), grpc.status.UNAUTHENTICATED);
  /** The admin certificate of the TLS directory `dir`, trusting the real CA. */
  const adminOf = (dir: string) =>
    clusterChannelCredentials('quorate', ca, read(dir, 'admin.crt'), read(dir, 'admin.key'));
  t.is(await statusCode(addr1, adminOf(foreign)), grpc.status.UNAUTHENTICATED);
  const realAdmin = adminOf(tls1);
  t.is(await statusCode(addr1, realAdmin), grpc.status.OK);
  // The admin certificate is not an agent's: lease renewals (agent to agent) refuse it.
  const lease = livenessClient(addr1, realAdmin);
  const renewal = await lease
    .renew({ node: 'node1', clusterId: 'quorate', incarnation: 'intruder', upMs: 0 }, 5000)
    .then(
      () => 'granted or answered',
      (err: grpc.ServiceError) => grpc.status[err.code],
    );
  lease.close();
  t.is(renewal, 'PERMISSION_DENIED');
  t.regex(read(root, 'node1.log'), /"msg":"call refused: not authorized"/);

  // Nor may it speak Raft: a stream from an admin certificate carrying a message of a far
  // higher term is refused before Raft sees it (else node1 would adopt term 1000).
  const intruder = new GrpcTransport({
    id: 'intruder',
    clusterId: 'quorate',
    listenAddress: '127.0.0.1:0',
    peers: { node1: addr1 },
    channelCredentials: realAdmin,
    channelOptions: { 'grpc.ssl_target_name_override': 'quorate-node' },
  });
  await intruder.start(() => undefined);
  const refusedStream = await pollUntil(10_000, 100, async () => {
    intruder.send([
      {
        type: 'MsgHeartbeat',
        from: 'intruder',
        to: 'node1',
        term: 1000,
        logTerm: 0,
        index: 0,
        entries: [],
        commit: 0,
        reject: false,
        rejectHint: 0,
        snapshot: null,
        context: '',
      },
    ]);
    return /"method":"\/quorate\.raft\.RaftTransport\/Stream"[^\n]*"code":"PERMISSION_DENIED"/.test(
      read(root, 'node1.log'),
    )
      ? true
      : undefined;
  });
  await intruder.close();
  t.true(refusedStream, 'the Raft stream was refused');
  t.true((await node1.status()).term < 1000);

  // A token whose CA hash is not this cluster's: nothing is sent, the token stays usable.
  const created = await runSecureCli(['--tls-dir', tls1, 'token', 'create', '--ttl', '10m']);
  t.is(created.code, 0, created.stderr);
  const token = created.stdout.trim();
  const wrongHash = token.replace(/\.[0-9a-f]{64}$/, `.${'0'.repeat(64)}`);
  const impostor = await joinAs(tls2, 'node2', wrongHash);
  t.is(impostor.code, 2);
  t.regex(
    impostor.stderr,
    /presents CA sha256:[0-9a-f]{64}, but the token is for CA sha256:0{64}.*nothing was sent/,
  );

  // The real token admits node2 once; its key is private; a second use is refused.
  const joined = await joinAs(tls2, 'node2', token);
  t.is(joined.code, 0, joined.stderr);
  t.regex(joined.stdout, /Node node2 admitted to cluster "quorate" by node1/);
  t.is(statSync(tls2).mode & 0o777, 0o700);
  t.is(statSync(join(tls2, 'node.key')).mode & 0o777, 0o600);
  const again = await joinAs(join(root, 'tls-again'), 'node4', token);
  t.is(again.code, 2);
  t.regex(again.stderr, /join token [a-z0-9]{6} was already used/);
  // Only init's own token is left unused.
  const left = await runSecureCli(['--tls-dir', tls1, 'token', 'list', '-o', 'json']);
  t.deepEqual(
    (JSON.parse(left.stdout) as { id: string }[]).map((x) => x.id),
    [initView.token.split('.')[1]],
  );

  // node2 runs with its new certificate and replicates node1's log over mTLS.
  await startAgent('node2', addr2, ['--peer', `node1=${addr1}`, '--tls-dir', tls2]);
  const added = await asAdmin(addr1, ['member', 'add', 'node2', '--address', addr2]);
  t.is(added.code, 0, added.stderr);
  const caughtUp = await pollUntil(20_000, 200, async () => {
    const r = await asAdmin(addr2, ['members', '-o', 'json']);
    if (r.code !== 0) return undefined;
    const view = JSON.parse(r.stdout) as {
      members: { id: string; lag: number; matchIndex: number }[];
    };
    const m2 = view.members.find((m) => m.id === 'node2');
    return m2 !== undefined && m2.matchIndex > 0 && m2.lag === 0 ? view : undefined;
  });
  t.truthy(caughtUp, 'node2 replicates over mutual TLS');

  // An agent with a certificate of another CA is not let in: node1 cannot verify it.
  await startAgent('node3', addr3, ['--peer', `node1=${addr1}`, '--tls-dir', foreign]);
  const rogueAdd = await asAdmin(addr1, ['member', 'add', 'node3', '--address', addr3]);
  t.not(rogueAdd.code, 0);
  t.regex(rogueAdd.stderr, /node3 does not answer/);
  const after = await asAdmin(addr1, ['members', '-o', 'json']);
  t.false(after.stdout.includes('"node3"'));
});
