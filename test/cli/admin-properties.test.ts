import * as grpc from '@grpc/grpc-js';
import test from 'ava';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { adminMethodPath, newAdminClient } from '../../agent/src/api/admin-proto.js';
import { INTENT_DURATION_MS_MAX } from '../../agent/src/api/intent-handlers.js';
import { loadConfig } from '../../agent/src/config/load-config.js';
import { AgentCluster, pollUntil, type AgentProcess } from '../harness/agent-processes.js';
import { markerYaml, runCli } from './cli-helpers.js';

// Malformed and refused admin requests — random bytes, random fields, damaged YAML — sent
// through a raw gRPC client to real agents never crash an agent and never change the
// replicated state. The cluster runs one configured resource (target-role stopped, so the
// control loop has nothing to do and the state is quiet): requests can name it, and a
// request made malformed in one field only must still change nothing.

const MEMBERS = ['node1', 'node2', 'node3'];
const METHODS = [
  'Status',
  'Validate',
  'Apply',
  'Failover',
  'NodeFlags',
  'Cleanup',
  'Ban',
  'Clear',
  'Move',
  'Explain',
  'Events',
  'Members',
  'MemberAdd',
  'MemberRemove',
  'LeaderTransfer',
  'Ping',
  'SetPeerAddress',
];

/** A name: a real one (resource or member) or arbitrary text. */
const name = fc.oneof(
  fc.constantFrom('web', ...MEMBERS, ''),
  fc.string({ maxLength: 12 }).filter((s) => s !== 'web' && !MEMBERS.includes(s)),
  fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => s !== 'web' && !MEMBERS.includes(s)),
);
const flag = fc.oneof(
  fc.constantFrom('FLAG_UNCHANGED', 'FLAG_ON', 'FLAG_OFF'),
  fc.integer({ min: 3, max: 1000 }),
);
const duration = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 1, max: 1_000_000 }),
  fc.constant(INTENT_DURATION_MS_MAX + 1),
  fc.constant(Number.MAX_SAFE_INTEGER),
);
const member = (n: unknown) => typeof n === 'string' && MEMBERS.includes(n);

/**
 * A request for a random method with random (but well-typed) fields, keeping only those the
 * agent must refuse or that only read: a valid write would change the state legitimately.
 */
const fieldRequest = fc
  .oneof(
    fc.record({ method: fc.constant('Status'), req: fc.record({ linearizable: fc.boolean() }) }),
    fc.record({
      method: fc.constant('Validate'),
      req: fc.record({ yaml: fc.string({ maxLength: 200 }), fileName: name }),
    }),
    fc.record({ method: fc.constant('Failover'), req: fc.record({ resource: name, to: name }) }),
    fc.record({
      method: fc.constant('NodeFlags'),
      req: fc.record({ node: name, standby: flag, maintenance: flag }),
    }),
    fc.record({ method: fc.constant('Cleanup'), req: fc.record({ resource: name, node: name }) }),
    fc.record({
      method: fc.constant('Ban'),
      req: fc.record({ resource: name, node: name, durationMs: duration }),
    }),
    fc.record({ method: fc.constant('Clear'), req: fc.record({ resource: name, node: name }) }),
    fc.record({
      method: fc.constant('Move'),
      req: fc.record({ resource: name, node: name, durationMs: duration }),
    }),
    fc.record({
      method: fc.constant('Explain'),
      req: fc.record({ resource: name, linearizable: fc.boolean() }),
    }),
    fc.record({
      method: fc.constant('Events'),
      req: fc.record({
        afterIndex: fc.nat(),
        limit: fc.nat(2000),
        follow: fc.boolean(),
        resource: name,
        node: name,
        linearizable: fc.boolean(),
      }),
    }),
    fc.record({ method: fc.constant('Members'), req: fc.constant({}) }),
    fc.record({
      method: fc.constant('MemberAdd'),
      req: fc.record({
        node: name,
        address: fc.oneof(name, fc.constant('127.0.0.1:1')),
        learner: fc.boolean(),
      }),
    }),
    fc.record({ method: fc.constant('MemberRemove'), req: fc.record({ node: name }) }),
    fc.record({ method: fc.constant('LeaderTransfer'), req: fc.record({ to: name }) }),
    fc.record({ method: fc.constant('Ping'), req: fc.constant({}) }),
    fc.record({
      method: fc.constant('SetPeerAddress'),
      req: fc.record({ node: name, address: name, clusterId: name }),
    }),
  )
  .filter(({ method, req }) => !wouldApply(method, req as Record<string, unknown>));

/** Whether a request is a valid write (it would change the state, as it should). */
function wouldApply(method: string, r: Record<string, unknown>): boolean {
  const okDuration =
    typeof r['durationMs'] === 'number' && r['durationMs'] <= INTENT_DURATION_MS_MAX;
  const okFlag = (f: unknown) => f === 'FLAG_ON' || f === 'FLAG_OFF' || f === 'FLAG_UNCHANGED';
  switch (method) {
    case 'Ban':
    case 'Move':
      return r['resource'] === 'web' && member(r['node']) && okDuration;
    case 'Cleanup':
      return r['resource'] === 'web' && (r['node'] === '' || member(r['node']));
    case 'NodeFlags':
      return member(r['node']) && okFlag(r['standby']) && okFlag(r['maintenance']);
    case 'MemberRemove':
      return member(r['node']);
    case 'LeaderTransfer':
      return member(r['to']);
    default:
      return false;
  }
}

/** Arbitrary text that names no resource and no member. */
const stranger = fc
  .string({ maxLength: 12 })
  .filter((s) => s !== '' && s !== 'web' && !MEMBERS.includes(s));

/**
 * A valid write with exactly one field made wrong: the closest a request can come to doing
 * something without being allowed to.
 */
const nearlyValid = fc.oneof(
  fc.record({
    method: fc.constantFrom('Ban', 'Move'),
    req: fc.oneof(
      fc.record({
        resource: stranger,
        node: fc.constantFrom(...MEMBERS),
        durationMs: fc.nat(60_000),
      }),
      fc.record({ resource: fc.constant('web'), node: stranger, durationMs: fc.nat(60_000) }),
      fc.record({
        resource: fc.constant('web'),
        node: fc.constantFrom(...MEMBERS),
        durationMs: fc.integer({ min: INTENT_DURATION_MS_MAX + 1, max: Number.MAX_SAFE_INTEGER }),
      }),
    ),
  }),
  fc.record({
    method: fc.constant('NodeFlags'),
    req: fc.oneof(
      fc.record({
        node: stranger,
        standby: fc.constantFrom('FLAG_ON', 'FLAG_OFF'),
        maintenance: fc.constant('FLAG_UNCHANGED'),
      }),
      fc.record({
        node: fc.constantFrom(...MEMBERS),
        standby: fc.integer({ min: 3, max: 99 }),
        maintenance: fc.constant('FLAG_ON'),
      }),
      fc.record({
        node: fc.constantFrom(...MEMBERS),
        standby: fc.constant('FLAG_UNCHANGED'),
        maintenance: fc.constant('FLAG_UNCHANGED'),
      }),
    ),
  }),
  fc.record({
    method: fc.constant('Cleanup'),
    req: fc.oneof(
      fc.record({ resource: stranger, node: fc.constantFrom('', ...MEMBERS) }),
      fc.record({ resource: fc.constant('web'), node: stranger }),
    ),
  }),
  fc.record({ method: fc.constant('MemberRemove'), req: fc.record({ node: stranger }) }),
  fc.record({ method: fc.constant('LeaderTransfer'), req: fc.record({ to: stranger }) }),
  fc.record({
    method: fc.constant('MemberAdd'),
    req: fc.record({
      node: fc.constant('node4'),
      address: fc.oneof(fc.constant('127.0.0.1:1'), stranger),
      learner: fc.boolean(),
    }),
  }),
);

/** Damage to a valid file: deletions and insertions of YAML-significant text. */
const TOKENS = [
  ':',
  ' ',
  '\n',
  '  ',
  '-',
  '{',
  '}',
  '[',
  ']',
  '"',
  '#',
  '&a ',
  '*a',
  '!x ',
  '~',
  'id',
  'agent',
  '\t',
];
const edit = fc.record({
  at: fc.nat(),
  remove: fc.nat(12),
  insert: fc.constantFrom(...TOKENS, ''),
});

function damaged(base: string, edits: { at: number; remove: number; insert: string }[]): string {
  return edits.reduce((text, e) => {
    const at = e.at % (text.length + 1);
    return text.slice(0, at) + e.insert + text.slice(at + e.remove);
  }, base);
}

function callRaw(
  client: grpc.Client,
  method: string,
  bytes: Uint8Array,
  streaming: boolean,
): Promise<void> {
  const id = (b: Buffer) => b;
  const options = { deadline: Date.now() + 3000 };
  return new Promise((done) => {
    if (streaming) {
      const call = client.makeServerStreamRequest(
        adminMethodPath(method),
        (b: Uint8Array) => Buffer.from(b),
        id,
        bytes,
        new grpc.Metadata(),
        options,
      );
      call.on('data', () => undefined);
      call.on('error', () => done());
      call.on('end', () => done());
      setTimeout(() => call.cancel(), 300);
      return;
    }
    client.makeUnaryRequest(
      adminMethodPath(method),
      (b: Uint8Array) => Buffer.from(b),
      id,
      bytes,
      new grpc.Metadata(),
      options,
      () => done(),
    );
  });
}

function callTyped(client: grpc.Client, method: string, req: object): Promise<unknown> {
  const fn = (
    client as unknown as Record<string, (...a: unknown[]) => grpc.ClientReadableStream<unknown>>
  )[method]!;
  const options = { deadline: Date.now() + (method === 'Events' ? 400 : 3000) };
  return new Promise((done) => {
    if (method === 'Events') {
      const call = fn.call(client, req, new grpc.Metadata(), options);
      call.on('data', () => undefined);
      call.on('error', () => done(null));
      call.on('end', () => done(null));
      return;
    }
    fn.call(
      client,
      req,
      new grpc.Metadata(),
      options,
      (err: grpc.ServiceError | null, reply: unknown) => done(err === null ? reply : err),
    );
  });
}

/**
 * The agent's state after everything committed so far (ReadIndex): a write wrongly accepted
 * anywhere — writes run on the leader — would show here, however far this agent lags.
 */
async function docOf(agent: AgentProcess): Promise<string> {
  return JSON.stringify(await agent.state(true));
}

test.serial(
  'malformed or refused admin requests never crash an agent nor change the state',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'quorate-props-'));
    const cluster = await AgentCluster.start(3, ['--ocf-root', resolve('test/agent/ocf')]);
    t.teardown(async () => {
      await cluster.destroy();
      rmSync(dir, { recursive: true, force: true });
    });
    const { leader } = await cluster.waitForLeader();
    const yaml = markerYaml(dir).replace(
      '  - id: web\n',
      '  - id: web\n    meta: { target-role: stopped }\n',
    );
    const file = join(dir, 'cluster.yaml');
    await import('node:fs').then((fs) => fs.writeFileSync(file, yaml));
    const applied = await pollUntil(15_000, 200, async () => {
      const r = await runCli(['apply', '-f', file], { endpoint: cluster.agent(leader).address });
      return r.code === 0 ? r : undefined;
    });
    t.truthy(applied, 'configured');
    // Quiet: every node has probed the resource (recorded stopped) and nothing else moves.
    const quiet = await pollUntil(20_000, 100, async () => {
      const doc = await cluster.agent(leader).state(true);
      return MEMBERS.every((n) => doc.resources[`web@${n}`]?.state === 'stopped') ? doc : undefined;
    });
    t.truthy(quiet, 'every node probed web');

    const clients = cluster.agents.map((a) =>
      newAdminClient(a.address, grpc.credentials.createInsecure()),
    );
    t.teardown(() => clients.forEach((c) => c.close()));
    const before = await docOf(cluster.agent(leader));
    const unchanged = async (agent: AgentProcess) => (await docOf(agent)) === before;

    // Random bytes to every method (and to a method that does not exist).
    await fc.assert(
      fc.asyncProperty(
        fc.nat(2),
        fc.constantFrom(...METHODS, 'NoSuchMethod'),
        fc.uint8Array({ maxLength: 300 }),
        async (i, method, bytes) => {
          await callRaw(clients[i]!, method, bytes, method === 'Events');
          return unchanged(cluster.agents[i]!);
        },
      ),
      { numRuns: 150 },
    );

    // Random well-typed fields, and valid writes with one field wrong: every request one the
    // agent must refuse (or a read).
    await fc.assert(
      fc.asyncProperty(
        fc.nat(2),
        fc.oneof(fieldRequest, nearlyValid),
        async (i, { method, req }) => {
          await callTyped(clients[i]!, method, req);
          return unchanged(cluster.agents[i]!);
        },
      ),
      { numRuns: 200 },
    );

    // Damaged YAML, applied for real: refused with located errors, nothing applied.
    await fc.assert(
      fc.asyncProperty(
        fc.nat(2),
        fc.array(edit, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        async (i, edits, dryRun) => {
          const text = damaged(yaml, edits);
          fc.pre(!loadConfig(text, 'x.yaml').ok);
          const reply = (await callTyped(clients[i]!, 'Apply', {
            yaml: text,
            fileName: 'x.yaml',
            dryRun,
          })) as {
            ok?: boolean;
            errors?: { line: number; column: number }[];
          };
          return (
            reply.ok === false &&
            (reply.errors ?? []).length > 0 &&
            reply.errors!.every((e) => e.line >= 1 && e.column >= 1) &&
            (await unchanged(cluster.agents[i]!))
          );
        },
      ),
      { numRuns: 80 },
    );

    // Every agent still runs and answers; the state is the same everywhere.
    for (const agent of cluster.agents) {
      t.true(agent.running, `${agent.id} still runs`);
      t.is(await docOf(agent), before, `${agent.id} state unchanged`);
    }
    const status = await runCli(['status'], { endpoint: cluster.agent('node2').address });
    t.is(status.code, 0, status.stderr);
  },
);
