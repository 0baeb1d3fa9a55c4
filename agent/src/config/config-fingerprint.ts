import { createHash } from 'node:crypto';

import type { ClusterConfig } from './model.js';

/**
 * JSON with object keys sorted at every level (arrays keep their order; undefined fields are
 * left out, as JSON.stringify does), so two equal values always give the same text whatever
 * the order their fields were built in.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) {
      Object.defineProperty(sorted, key, {
        value: (v as Record<string, unknown>)[key],
        enumerable: true,
      });
    }
    return sorted;
  });
}

/**
 * A stable fingerprint of a configuration: the SHA-256 (hex) of its canonical JSON. Equal
 * models give equal fingerprints however the YAML was written (key order, comments, explicit
 * defaults, `2s` vs `2000`), so `clusterctl apply` can tell whether anything changed. List
 * order counts (group members start in order; reordering anything is treated as a change).
 */
export function configFingerprint(config: ClusterConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}
