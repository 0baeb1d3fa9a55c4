import test from 'ava';
import fc from 'fast-check';
import { stringify } from 'yaml';

import { configFingerprint } from '../../agent/src/config/config-fingerprint.js';
import { loadConfig } from '../../agent/src/config/load-config.js';
import {
  DEFAULT_RESOURCE_META,
  INFINITY,
  type AgentRef,
  type ClusterConfig,
  type ResourceDef,
  type ResourceMeta,
} from '../../agent/src/config/model.js';
import { readRepoFile } from './config-test-helpers.js';
import { modelInvariantViolations } from './model-invariants.js';

const EXAMPLES = [
  'examples/config/storage-group.yaml',
  'examples/config/haproxy-backends.yaml',
  'examples/config/singletons-and-clones.yaml',
  'examples/config/shards-apart.yaml',
].map(readRepoFile);

/**
 * Load `text` and check the result is well formed whatever it is: errors carry positions
 * inside the text and format with the file name; an ok config satisfies every invariant and
 * is plain JSON data. Returns whether it loaded.
 */
function loadsSoundly(text: string): boolean {
  const result = loadConfig(text, 'fuzz.yaml');
  const lineCount = text.split(/\r\n|\r|\n/).length;
  if (!result.ok) {
    if (result.errors.length === 0) throw new Error('a failure without errors');
    for (const e of result.errors) {
      const inside = e.line >= 1 && e.line <= lineCount && e.column >= 1;
      if (!inside || !e.format().startsWith(`fuzz.yaml:${e.line}:${e.column}: `)) {
        throw new Error(`badly placed error ${e.format()} in ${lineCount} lines`);
      }
    }
    return false;
  }
  const violations = modelInvariantViolations(result.config);
  if (violations.length > 0) throw new Error(`invariants broken: ${violations.join('; ')}`);
  if (JSON.stringify(JSON.parse(JSON.stringify(result.config))) !== JSON.stringify(result.config)) {
    throw new Error('not plain JSON data');
  }
  if (configFingerprint(result.config) !== configFingerprint(structuredClone(result.config))) {
    throw new Error('fingerprint not stable');
  }
  return true;
}

/** Fragments that YAML and this format care about, so random text gets somewhere. */
const TOKENS = [
  'apiVersion: quorate/v1\n',
  'resources:\n',
  'groups:\n',
  'clones:\n',
  'constraints:\n',
  'location:',
  'colocation:',
  'order:',
  '  - ',
  '- ',
  'id: ',
  'agent: ',
  'members: ',
  'resource: ',
  'with: ',
  'first: ',
  'then: ',
  'score: ',
  'node: ',
  'rules: ',
  'meta: ',
  'params: ',
  'operations: ',
  'monitor: ',
  'interval: ',
  'timeout: ',
  'on-fail: fence',
  'INFINITY',
  '-INFINITY',
  '2s',
  '0',
  '-1',
  '1e309',
  '.inf',
  '.nan',
  'a',
  'b',
  'systemd:a',
  'ocf:heartbeat:IPaddr2',
  '{',
  '}',
  '[',
  ']',
  ', ',
  ': ',
  '\n',
  '  ',
  '\t',
  '"',
  "'",
  '&x ',
  '*x',
  '? ',
  '---\n',
  '...\n',
  '#',
  '!tag ',
  '|\n',
  '>\n',
  '__proto__',
  'null',
  '~',
  '\uFEFF',
];

test('arbitrary text never throws, and every error points inside the file', (t) => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
      loadsSoundly(text);
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }), (tokens) => {
      loadsSoundly(tokens.join(''));
    }),
    { numRuns: 1000 },
  );
  t.pass();
});

/** One edit of a text: what random damage to a real file looks like. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.nat(30) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    token: fc.constantFrom(...TOKENS),
  }),
  fc.record({ kind: fc.constant('dup-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap-lines' as const), at: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constant('indent' as const), at: fc.nat(), deeper: fc.boolean() }),
  fc.record({ kind: fc.constant('word' as const), at: fc.nat(), other: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(text: string, m: Mutation): string {
  const lines = text.split('\n');
  const line = m.at % lines.length;
  switch (m.kind) {
    case 'delete': {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + text.slice(at + m.length);
    }
    case 'insert': {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.token + text.slice(at);
    }
    case 'dup-line':
      lines.splice(line, 0, lines[line]);
      return lines.join('\n');
    case 'swap-lines': {
      const other = m.other % lines.length;
      [lines[line], lines[other]] = [lines[other], lines[line]];
      return lines.join('\n');
    }
    case 'indent':
      lines[line] = m.deeper ? `  ${lines[line]}` : lines[line].replace(/^ {2}/, '');
      return lines.join('\n');
    case 'word': {
      // Replace one value by another value of the same file: often still valid YAML and a
      // plausible config, so the cross-reference checks get exercised.
      const words = text.match(/[A-Za-z0-9_.:@-]+/g) ?? [];
      if (words.length === 0) return text;
      const target = words[m.at % words.length];
      const replacement = words[m.other % words.length];
      return text.replace(`: ${target}`, `: ${replacement}`);
    }
  }
}

test('damaged real files never throw; whatever still loads satisfies the invariants', (t) => {
  let loaded = 0;
  let refused = 0;
  fc.assert(
    fc.property(
      fc.constantFrom(...EXAMPLES),
      fc.array(mutation, { minLength: 1, maxLength: 4 }),
      (base, mutations) => {
        if (loadsSoundly(mutations.reduce(mutate, base))) loaded += 1;
        else refused += 1;
      },
    ),
    { numRuns: 1500 },
  );
  t.true(loaded > 50, `some damaged files still load (${loaded})`);
  t.true(refused > 50, `most damage is caught (${refused})`);
});

// A generator of valid configurations: the user's YAML object (kebab-case, durations and
// scores in assorted spellings) next to the model it must load as.

interface Generated {
  yaml: Record<string, unknown>;
  expected: ClusterConfig;
}

const durationSpelling = (ms: number): fc.Arbitrary<unknown> =>
  fc.constantFrom<unknown>(
    ms,
    `${ms}ms`,
    ...(ms % 1000 === 0 ? [`${ms / 1000}s`] : []),
    ...(ms % 60_000 === 0 && ms > 0 ? [`${ms / 60_000}m`] : []),
    ...(ms % 100 === 0 ? [`${ms / 1000}s`] : []),
  );

const durationMs = (min: number): fc.Arbitrary<number> =>
  fc.oneof(fc.integer({ min, max: 600_000 }), fc.constantFrom(60_000, 120_000, 3_600_000));

const scoreWritten = (finite: boolean): fc.Arbitrary<{ written: unknown; score: number }> =>
  fc.oneof(
    fc
      .integer({ min: -(INFINITY - 1), max: INFINITY - 1 })
      .chain((n) => fc.constantFrom({ written: n, score: n }, { written: String(n), score: n })),
    ...(finite
      ? []
      : [
          fc.constantFrom(
            { written: 'INFINITY', score: INFINITY },
            { written: '+INFINITY', score: INFINITY },
            { written: 9_999_999, score: INFINITY },
          ),
        ]),
    fc.constantFrom(
      { written: '-INFINITY', score: -INFINITY },
      { written: -9_999_999, score: -INFINITY },
    ),
  );

type MetaWritten = { yaml: Record<string, unknown>; meta: Partial<ResourceMeta> };

const metaArb = (allowFence: boolean): fc.Arbitrary<MetaWritten> =>
  fc
    .record(
      {
        stickiness: scoreWritten(false),
        migrationThreshold: fc.integer({ min: 0, max: 10 }),
        failureTimeoutMs: durationMs(0).chain((ms) =>
          durationSpelling(ms).map((written) => ({ ms, written })),
        ),
        onFail: fc.constantFrom(
          ...(['restart', 'stop', 'ignore', 'block', 'standby'] as const),
          ...(allowFence ? (['fence'] as const) : []),
        ),
        targetRole: fc.constantFrom('started' as const, 'stopped' as const),
        priority: fc.integer({ min: -INFINITY, max: INFINITY }),
      },
      { requiredKeys: [] },
    )
    .map((m) => {
      const yaml: Record<string, unknown> = {};
      const meta: Partial<ResourceMeta> = {};
      if (m.stickiness)
        [yaml.stickiness, meta.stickiness] = [m.stickiness.written, m.stickiness.score];
      if (m.migrationThreshold !== undefined) {
        [yaml['migration-threshold'], meta.migrationThreshold] = [
          m.migrationThreshold,
          m.migrationThreshold,
        ];
      }
      if (m.failureTimeoutMs) {
        [yaml['failure-timeout'], meta.failureTimeoutMs] = [
          m.failureTimeoutMs.written,
          m.failureTimeoutMs.ms,
        ];
      }
      if (m.onFail) [yaml['on-fail'], meta.onFail] = [m.onFail, m.onFail];
      if (m.targetRole) [yaml['target-role'], meta.targetRole] = [m.targetRole, m.targetRole];
      if (m.priority !== undefined) [yaml.priority, meta.priority] = [m.priority, m.priority];
      return { yaml, meta };
    });

const SUFFIXES = ['', '.x', '_y', '-z', '9'];

const agentArb: fc.Arbitrary<{ written: string; agent: AgentRef }> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('heartbeat', 'quorate', 'acme.io'),
      fc.constantFrom('IPaddr2', 'Filesystem', 'vip', 'Dummy_2'),
    )
    .map(([provider, type]) => ({
      written: `ocf:${provider}:${type}`,
      agent: { class: 'ocf' as const, provider, type },
    })),
  fc.constantFrom('nginx', 'shard@a', 'backup.timer', 'api.service').map((unit) => ({
    written: `systemd:${unit}`,
    agent: {
      class: 'systemd' as const,
      type: /\.(service|timer)$/.test(unit) ? unit : `${unit}.service`,
    },
  })),
);

const paramsArb = fc.dictionary(
  fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/),
  fc.oneof(fc.string({ maxLength: 12 }), fc.integer({ min: 0, max: 100_000 }), fc.boolean()),
  { maxKeys: 4 },
);

const generatedConfig: fc.Arbitrary<Generated> = fc
  .record({
    fencing: fc.boolean(),
    noQuorumPolicy: fc.constantFrom('stop' as const, 'freeze' as const, 'ignore' as const),
    resourceCount: fc.integer({ min: 1, max: 8 }),
    suffix: fc.constantFrom(...SUFFIXES),
    seed: fc.integer(),
  })
  .chain((top) =>
    fc.record({
      top: fc.constant(top),
      defaults: fc.option(metaArb(top.fencing), { nil: undefined }),
      resources: fc.array(
        fc.record({
          agent: agentArb,
          params: paramsArb,
          monitor: fc.option(
            fc.record({
              interval: durationMs(1),
              timeout: fc.option(durationMs(1), { nil: undefined }),
            }),
            { nil: undefined },
          ),
          start: fc.option(durationMs(1), { nil: undefined }),
          stop: fc.option(durationMs(1), { nil: undefined }),
          spell: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
          meta: fc.option(metaArb(top.fencing), { nil: undefined }),
        }),
        { minLength: top.resourceCount, maxLength: top.resourceCount },
      ),
      // Which resources go into groups: group number per resource (0 = none).
      grouping: fc.array(fc.integer({ min: 0, max: 2 }), {
        minLength: top.resourceCount,
        maxLength: top.resourceCount,
      }),
      cloneChoices: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
      maxInstances: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
      permutation: fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
      locations: fc.array(
        fc.record({
          target: fc.nat(),
          score: scoreWritten(true),
          node: fc.option(fc.constantFrom('node1', 'n-2', 'db.host'), { nil: null }),
        }),
        { maxLength: 4 },
      ),
      colocations: fc.array(
        fc.record({
          a: fc.nat(),
          b: fc.nat(),
          score: fc.oneof(
            scoreWritten(true),
            fc.constant({ written: '-INFINITY', score: -INFINITY }),
          ),
        }),
        { maxLength: 4 },
      ),
      orders: fc.array(
        fc.record({
          a: fc.nat(),
          b: fc.nat(),
          kind: fc.option(fc.constantFrom('mandatory' as const, 'optional' as const), {
            nil: undefined,
          }),
          symmetrical: fc.option(fc.boolean(), { nil: undefined }),
        }),
        { maxLength: 4 },
      ),
    }),
  )
  .map((g) => {
    const { top } = g;
    const id = (prefix: string, i: number): string => `${prefix}${i}${top.suffix}`;
    const defaults: ResourceMeta = { ...DEFAULT_RESOURCE_META, ...g.defaults?.meta };
    const resourcesYaml: Record<string, unknown>[] = [];
    const resources: ResourceDef[] = [];
    g.resources.forEach((r, i) => {
      const rid = id('r', i);
      const y: Record<string, unknown> = { id: rid, agent: r.agent.written };
      const params = r.agent.agent.class === 'ocf' ? r.params : {};
      if (Object.keys(params).length > 0) y.params = params;
      const operations: Record<string, unknown> = {};
      if (r.monitor) {
        operations.monitor = {
          interval: r.monitor.interval,
          ...(r.monitor.timeout === undefined ? {} : { timeout: `${r.monitor.timeout}ms` }),
        };
      }
      if (r.start !== undefined) operations.start = { timeout: r.start };
      if (r.stop !== undefined) operations.stop = { timeout: `${r.stop}ms` };
      if (Object.keys(operations).length > 0) y.operations = operations;
      if (r.meta) y.meta = r.meta.yaml;
      resourcesYaml.push(y);
      resources.push({
        id: rid,
        agent: r.agent.agent,
        params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])),
        operations: {
          start: { timeoutMs: r.start ?? 20_000, intervalMs: 0 },
          stop: { timeoutMs: r.stop ?? 20_000, intervalMs: 0 },
          monitor: {
            timeoutMs: r.monitor?.timeout ?? 20_000,
            intervalMs: r.monitor?.interval ?? 10_000,
          },
        },
        meta: { ...defaults, ...r.meta?.meta },
      });
    });
    // Groups: members in resource order.
    const groups = [1, 2]
      .map((n) => ({
        id: id('g', n),
        members: resources.filter((_, i) => g.grouping[i] === n).map((r) => r.id),
        meta: {},
      }))
      .filter((grp) => grp.members.length > 0);
    const grouped = new Set(groups.flatMap((grp) => grp.members));
    // Clones: of ungrouped primitives and of groups, each at most once.
    const cloneable = [
      ...resources.filter((r) => !grouped.has(r.id)).map((r) => r.id),
      ...groups.map((grp) => grp.id),
    ];
    const clones = cloneable
      .filter((_, i) => g.cloneChoices[i])
      .map((target, i) => ({
        id: id('c', i),
        resource: target,
        maxInstances: i === 0 ? g.maxInstances : null,
        meta: {},
      }));
    const clonedIds = new Set(clones.map((c) => c.resource));
    // Top-level items (no group members, nothing inside a clone), in a random order.
    const topLevel = [
      ...resources.filter((r) => !grouped.has(r.id) && !clonedIds.has(r.id)).map((r) => r.id),
      ...groups.filter((grp) => !clonedIds.has(grp.id)).map((grp) => grp.id),
      ...clones.map((c) => c.id),
    ].sort((a, b) => (g.permutation[a.length % 12] ?? 0) - (g.permutation[b.length % 12] ?? 0));
    const pick = (n: number): string => topLevel[n % topLevel.length];
    const locations = g.locations.map((l, i) => ({
      id: id('l', i),
      resource: pick(l.target),
      score: l.score.score,
      node: l.node,
      rules: l.node === null ? [{ attribute: 'disk_free_pct', op: 'gte' as const, value: 10 }] : [],
    }));
    const locationsYaml = g.locations.map((l, i) => ({
      id: locations[i].id,
      resource: locations[i].resource,
      score: l.score.written,
      ...(l.node === null
        ? { rules: [{ attribute: 'disk_free_pct', op: 'gte', value: 10 }] }
        : { node: l.node }),
    }));
    const pairs = <T extends { a: number; b: number }>(list: T[]) =>
      list
        .map((p) => ({ p, a: topLevel.indexOf(pick(p.a)), b: topLevel.indexOf(pick(p.b)) }))
        .filter(({ a, b }) => a !== b)
        // Orders only go forwards in topLevel order: never a cycle.
        .map(({ p, a, b }) => ({
          p,
          first: topLevel[Math.min(a, b)],
          then: topLevel[Math.max(a, b)],
        }));
    const colocationPairs = pairs(g.colocations);
    const colocations = colocationPairs.map(({ p, first, then }, i) => ({
      id: id('k', i),
      resource: then,
      with: first,
      score: p.score.score,
    }));
    const colocationsYaml = colocationPairs.map(({ p }, i) => ({
      ...colocations[i],
      score: p.score.written,
    }));
    const orderPairs = pairs(g.orders);
    const orders = orderPairs.map(({ p, first, then }, i) => ({
      id: id('o', i),
      first,
      then,
      kind: p.kind ?? ('mandatory' as const),
      symmetrical: p.symmetrical ?? true,
    }));
    const ordersYaml = orderPairs.map(({ p }, i) => ({
      id: orders[i].id,
      first: orders[i].first,
      then: orders[i].then,
      ...(p.kind === undefined ? {} : { kind: p.kind }),
      ...(p.symmetrical === undefined ? {} : { symmetrical: p.symmetrical }),
    }));
    const yaml: Record<string, unknown> = {
      apiVersion: 'quorate/v1',
      properties: {
        'no-quorum-policy': top.noQuorumPolicy,
        fencing: top.fencing,
        ...(g.defaults ? { 'resource-defaults': g.defaults.yaml } : {}),
      },
      resources: resourcesYaml,
      ...(groups.length > 0
        ? { groups: groups.map(({ id: gid, members }) => ({ id: gid, members })) }
        : {}),
      ...(clones.length > 0
        ? {
            clones: clones.map((c) => ({
              id: c.id,
              resource: c.resource,
              ...(c.maxInstances === null ? {} : { 'max-instances': c.maxInstances }),
            })),
          }
        : {}),
      constraints: { location: locationsYaml, colocation: colocationsYaml, order: ordersYaml },
    };
    const expected: ClusterConfig = {
      properties: {
        noQuorumPolicy: top.noQuorumPolicy,
        fencingEnabled: top.fencing,
        resourceDefaults: defaults,
      },
      resources,
      groups,
      clones,
      locations,
      colocations,
      orders,
    };
    return { yaml, expected };
  });

test('generated valid configurations load as exactly the model they describe', (t) => {
  fc.assert(
    fc.property(
      generatedConfig,
      fc.constantFrom('any' as const, 'block' as const, 'flow' as const),
      fc.constantFrom('PLAIN' as const, 'QUOTE_DOUBLE' as const, 'QUOTE_SINGLE' as const),
      (g, collectionStyle, defaultStringType) => {
        const text = stringify(g.yaml, { collectionStyle, defaultStringType, lineWidth: 0 });
        const result = loadConfig(text, 'generated.yaml');
        if (!result.ok) {
          throw new Error(`refused:\n${result.errors.map((e) => e.format()).join('\n')}\n${text}`);
        }
        t.deepEqual(result.config, g.expected);
        t.deepEqual(modelInvariantViolations(result.config), []);
      },
    ),
    { numRuns: 300 },
  );
});
