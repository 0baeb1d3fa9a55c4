import { closestMatch } from '../config/did-you-mean.js';
import type { CloneDef, ClusterConfig, GroupDef, ResourceDef } from '../config/model.js';
import type { ConfState } from '../raft/types.js';
import { refuse, okResult, type ApiResult } from './api-result.js';

/** A configured resource named by the user: a primitive, a group or a clone. */
export type ResourceRef =
  | { kind: 'primitive'; id: string; def: ResourceDef; group: GroupDef | null }
  | { kind: 'group'; id: string; group: GroupDef }
  | { kind: 'clone'; id: string; clone: CloneDef };

/**
 * The configured primitive, group or clone called `id`; `not-found` (with the nearest name
 * as a suggestion, and the command that lists them) otherwise. Clone instance ids (`web:1`)
 * are not configured ids and are refused with a hint to name the clone.
 */
export function findResource(config: ClusterConfig, id: string): ApiResult<ResourceRef> {
  if (id === '') return refuse('invalid-argument', 'a resource name is required');
  const def = config.resources.find((r) => r.id === id);
  if (def !== undefined)
    return okResult({ kind: 'primitive', id, def, group: groupOf(config, id) });
  const group = config.groups.find((g) => g.id === id);
  if (group !== undefined) return okResult({ kind: 'group', id, group });
  const clone = config.clones.find((c) => c.id === id);
  if (clone !== undefined) return okResult({ kind: 'clone', id, clone });
  const instance = /^(.+):\d+$/.exec(id);
  if (instance !== null) {
    const owner = config.clones.find((c) => c.resource === instance[1] || c.id === instance[1]);
    if (owner !== undefined)
      return refuse(
        'invalid-argument',
        `${id} is an instance of clone ${owner.id}; name the clone (${owner.id}) and a node (--node)`,
      );
  }
  const names = [
    ...config.resources.map((r) => r.id),
    ...config.groups.map((g) => g.id),
    ...config.clones.map((c) => c.id),
  ];
  const guess = closestMatch(id, names);
  const hint = guess !== undefined ? `did you mean ${guess}? ` : '';
  return refuse(
    'not-found',
    names.length === 0
      ? `no resource ${id}: the cluster has no resources configured (clusterctl apply -f FILE)`
      : `no resource, group or clone ${id}; ${hint}clusterctl status lists them`,
  );
}

/** The group primitive `id` belongs to, or null. */
export function groupOf(config: ClusterConfig, id: string): GroupDef | null {
  return config.groups.find((g) => g.members.includes(id)) ?? null;
}

/** The clone that clones primitive `id` (directly or through its group), or null. */
export function cloneOf(config: ClusterConfig, id: string): CloneDef | null {
  const group = groupOf(config, id);
  return (
    config.clones.find((c) => c.resource === id || (group !== null && c.resource === group.id)) ??
    null
  );
}

/** The primitives a reference stands for, in start order. */
export function primitivesOf(ref: ResourceRef, config: ClusterConfig): string[] {
  switch (ref.kind) {
    case 'primitive':
      return [ref.id];
    case 'group':
      return [...ref.group.members];
    case 'clone': {
      const group = config.groups.find((g) => g.id === ref.clone.resource);
      return group !== undefined ? [...group.members] : [ref.clone.resource];
    }
  }
}

/** Every member of the Raft configuration, voters first. */
export function membersOf(conf: ConfState): string[] {
  return [...conf.voters, ...conf.learners];
}

/**
 * `node` when it is a member of the cluster; `invalid-argument` when empty, `not-found`
 * (with a suggestion and the members) otherwise.
 */
export function findMember(conf: ConfState, node: string): ApiResult<string> {
  if (node === '') return refuse('invalid-argument', 'a node name is required');
  const members = membersOf(conf);
  if (members.includes(node)) return okResult(node);
  const guess = closestMatch(node, members);
  const hint = guess !== undefined ? `did you mean ${guess}? ` : '';
  return refuse(
    'not-found',
    `no node ${node} in the cluster; ${hint}members: ${members.join(', ') || '(none known)'}`,
  );
}
