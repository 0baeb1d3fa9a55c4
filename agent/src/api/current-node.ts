import type { ClusterStateDoc } from '../state/cluster-state.js';
import { primitivesOf, type ResourceRef } from './resource-lookup.js';

/**
 * The node a primitive or group is placed on now (a group: where its first member is), or
 * null when it is placed nowhere. Clones run on several nodes: always null.
 */
export function currentNode(doc: Readonly<ClusterStateDoc>, ref: ResourceRef): string | null {
  if (ref.kind === 'clone') return null;
  const first = primitivesOf(ref, doc.config)[0];
  return first === undefined ? null : (doc.placement[first]?.node ?? null);
}
