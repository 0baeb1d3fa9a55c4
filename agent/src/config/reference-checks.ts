import type { ConfigPath } from './config-path.js';
import type { ConfigProblem } from './config-problem.js';
import {
  enclosingClone,
  type ConfigOutline,
  type DefinitionKind,
  type IdRef,
} from './config-outline.js';
import { quote } from './describe-value.js';
import { didYouMean } from './did-you-mean.js';

/** How each kind of definition is called in messages. */
const KIND_NAMES: Record<DefinitionKind, string> = {
  resource: 'primitive resource',
  group: 'group',
  clone: 'clone',
  location: 'location constraint',
  colocation: 'colocation constraint',
  order: 'order constraint',
};

/** Candidates listed in an "unknown id" message, at most. */
const MAX_LISTED = 10;

/**
 * The checks that need every id at once:
 *
 * - ids are unique across resources, groups, clones and constraints (one namespace, as in
 *   Pacemaker's CIB; the later definition in the file is reported);
 * - group members are primitives, each in at most one group and listed once;
 * - a clone clones a primitive or a group (not a clone, not a grouped primitive), and a
 *   resource is cloned at most once;
 * - constraints name resources, groups or clones that exist, never a resource inside a clone
 *   (name the clone), never one resource twice, never a group and its own member.
 *
 * @param lineOf the line of a path, to point at the other half of a conflict
 */
export function checkReferences(
  outline: ConfigOutline,
  lineOf: (path: ConfigPath) => number,
): ConfigProblem[] {
  return [
    ...uniqueIds(outline, lineOf),
    ...groupMembers(outline, lineOf),
    ...cloneTargets(outline, lineOf),
    ...constraintRefs(outline),
  ];
}

/** Ids are unique: every definition after the first (in file order) of its id is reported. */
function uniqueIds(outline: ConfigOutline, lineOf: (path: ConfigPath) => number): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const firstById = new Map<string, { kind: DefinitionKind; path: ConfigPath }>();
  const byLine = outline.definitions
    .map((d) => ({ d, line: lineOf(d.path) }))
    .sort((a, b) => a.line - b.line);
  for (const { d } of byLine) {
    const first = firstById.get(d.id);
    if (first === undefined) {
      firstById.set(d.id, d);
      continue;
    }
    problems.push({
      path: d.path,
      message: `duplicate id ${quote(d.id)}: already the id of the ${KIND_NAMES[first.kind]} at line ${lineOf(first.path)}; ids must be unique across resources, groups, clones and constraints`,
    });
  }
  return problems;
}

/** Groups hold primitives, each listed once and in one group only. */
function groupMembers(
  outline: ConfigOutline,
  lineOf: (path: ConfigPath) => number,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const primitives = idsOf(outline, 'resource');
  for (const group of outline.groups) {
    const seen = new Set<string>();
    for (const member of group.members) {
      const problem = wrongKind(member, outline.kindOf.get(member.id), PRIMITIVE, primitives, {
        group: 'groups cannot be nested; list its members instead',
        clone: 'a group can only contain primitive resources',
      });
      if (problem !== undefined) {
        problems.push({ path: member.path, message: problem });
        continue;
      }
      if (seen.has(member.id)) {
        problems.push({
          path: member.path,
          message: `${quote(member.id)} is listed twice in this group`,
        });
        continue;
      }
      seen.add(member.id);
      const owner = outline.groupOf.get(member.id);
      if (owner === undefined || owner === group.id) continue;
      const ownerGroup = outline.groups.find((g) => g.id === owner);
      const at = ownerGroup === undefined ? '' : ` (line ${lineOf(ownerGroup.path)})`;
      problems.push({
        path: member.path,
        message: `${quote(member.id)} is already a member of group ${quote(owner)}${at}; a primitive belongs to at most one group`,
      });
    }
  }
  return problems;
}

/** Clones clone a primitive or a group, not a clone nor a grouped primitive, and only once. */
function cloneTargets(
  outline: ConfigOutline,
  lineOf: (path: ConfigPath) => number,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const cloneable = idsOf(outline, 'resource', 'group');
  for (const clone of outline.clones) {
    const target = clone.resource;
    if (target === undefined) continue;
    const report = (message: string): void => {
      problems.push({ path: target.path, message });
    };
    const kind = outline.kindOf.get(target.id);
    if (kind === 'clone') {
      const inner = outline.clones.find((c) => c.id === target.id)?.resource?.id;
      const of = inner === undefined ? '' : ` (of ${quote(inner)})`;
      report(
        `clone of a clone: ${quote(target.id)} is itself a clone${of}; clone a primitive resource or a group`,
      );
      continue;
    }
    const problem = wrongKind(target, kind, CLONEABLE, cloneable);
    if (problem !== undefined) {
      report(problem);
      continue;
    }
    const group = outline.groupOf.get(target.id);
    if (group !== undefined) {
      report(`${quote(target.id)} is a member of group ${quote(group)}; clone the group instead`);
      continue;
    }
    const owner = outline.cloneOf.get(target.id);
    if (owner === undefined || owner === clone.id) continue;
    const ownerClone = outline.clones.find((c) => c.id === owner);
    const at = ownerClone === undefined ? '' : ` (line ${lineOf(ownerClone.path)})`;
    report(
      `${quote(target.id)} is already cloned by ${quote(owner)}${at}; a resource can be cloned only once`,
    );
  }
  return problems;
}

/**
 * Constraints relate existing resources, groups or clones, never something inside a clone,
 * never one resource with itself, never a group with its own member.
 */
function constraintRefs(outline: ConfigOutline): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const constrainable = idsOf(outline, 'resource', 'group', 'clone');
  const { groupOf } = outline;
  for (const constraint of [...outline.locations, ...outline.colocations, ...outline.orders]) {
    const valid: IdRef[] = [];
    for (const r of constraint.refs) {
      const problem = wrongKind(r, outline.kindOf.get(r.id), CONSTRAINABLE, constrainable);
      const clone = enclosingClone(outline, r.id);
      if (problem !== undefined) problems.push({ path: r.path, message: problem });
      else if (clone !== undefined) {
        problems.push({
          path: r.path,
          message: `${quote(r.id)} is inside clone ${quote(clone)}; constrain the clone ${quote(clone)} instead`,
        });
      } else valid.push(r);
    }
    if (valid.length !== 2) continue;
    const [a, b] = valid;
    if (a.id === b.id) {
      problems.push({
        path: b.path,
        message: `a constraint between ${quote(a.id)} and itself has no meaning; name two different resources`,
      });
    } else if (groupOf.get(a.id) === b.id || groupOf.get(b.id) === a.id) {
      const [member, group] = groupOf.get(a.id) === b.id ? [a.id, b.id] : [b.id, a.id];
      problems.push({
        path: b.path,
        message: `${quote(member)} is a member of group ${quote(group)}, which already places and orders it; a constraint between a group and its own member is redundant or impossible`,
      });
    }
  }
  return problems;
}

/** The ids defined with one of `kinds`, in definition order. */
function idsOf(outline: ConfigOutline, ...kinds: DefinitionKind[]): string[] {
  return [...outline.kindOf].filter(([, kind]) => kinds.includes(kind)).map(([id]) => id);
}

/** What a reference may name: the kinds, and how to call them in a message. */
interface Wanted {
  kinds: readonly DefinitionKind[];
  noun: string;
}

const PRIMITIVE: Wanted = { kinds: ['resource'], noun: 'primitive resource' };
const CLONEABLE: Wanted = { kinds: ['resource', 'group'], noun: 'resource or group' };
const CONSTRAINABLE: Wanted = {
  kinds: ['resource', 'group', 'clone'],
  noun: 'resource, group or clone',
};

/**
 * The message for a reference that does not name a definition of the wanted kind, or
 * undefined when it does: `unknown primitive resource "x"; did you mean "y"? defined: ...`,
 * or `"x" is a clone; <why>`.
 *
 * @param candidates ids of the wanted kinds, for a suggestion and the list
 * @param byKind why a definition of another kind does not fit (a default is used otherwise)
 */
function wrongKind(
  r: IdRef,
  kind: DefinitionKind | undefined,
  wanted: Wanted,
  candidates: readonly string[],
  byKind: Partial<Record<DefinitionKind, string>> = {},
): string | undefined {
  if (kind !== undefined && wanted.kinds.includes(kind)) return undefined;
  if (kind !== undefined) {
    return `${quote(r.id)} is a ${KIND_NAMES[kind]}; ${byKind[kind] ?? `expected a ${wanted.noun}`}`;
  }
  if (candidates.length === 0) return `unknown ${wanted.noun} ${quote(r.id)}; none is defined`;
  const listed = candidates.slice(0, MAX_LISTED).join(', ');
  const more = candidates.length > MAX_LISTED ? ` and ${candidates.length - MAX_LISTED} more` : '';
  return `unknown ${wanted.noun} ${quote(r.id)}${didYouMean(r.id, candidates, `defined: ${listed}${more}`)}`;
}
