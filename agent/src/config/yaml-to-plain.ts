import { isAlias, isMap, isScalar, isSeq, type Document, type Node } from 'yaml';

import type { ConfigPath } from './config-path.js';
import type { ConfigProblem } from './config-problem.js';
import { mapKeyText, resolveAlias } from './yaml-source.js';

/**
 * Most nodes a document may expand to once aliases are followed: a few aliases of aliases
 * can otherwise expand exponentially ("billion laughs") and exhaust memory.
 */
export const MAX_EXPANDED_NODES = 100_000;

/**
 * Convert a parsed YAML document to plain JavaScript values (objects, arrays, strings,
 * numbers, booleans, null) for validation. Unlike the library's own toJS it never throws:
 * an alias to an unknown anchor, an alias that contains itself, a key that is a list or a
 * mapping, an empty key, the key "__proto__" (which plain objects cannot hold safely) and
 * runaway alias expansion are reported as problems at their position.
 */
export function yamlToPlain(doc: Document.Parsed): { value: unknown; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  let budget = MAX_EXPANDED_NODES;
  const inProgress = new Set<Node>();

  const at = (node: Node | null | undefined, message: string, path: ConfigPath): void => {
    problems.push({ path, message, offset: node?.range?.[0] ?? 0 });
  };

  const convert = (raw: Node | null, path: ConfigPath): unknown => {
    if (raw === null) return null;
    if (budget <= 0) return null;
    budget -= 1;
    if (budget === 0) {
      at(raw, `aliases expand the document to more than ${MAX_EXPANDED_NODES} nodes`, path);
      return null;
    }
    const node = resolveAlias(doc, raw);
    if (node === null) {
      const name = isAlias(raw) ? raw.source : '';
      at(raw, `unknown alias *${name}: define the anchor &${name} before using it`, path);
      return null;
    }
    if (isScalar(node)) return node.value ?? null;
    if (inProgress.has(node)) {
      at(raw, 'this alias refers to a node that contains it (a cycle)', path);
      return null;
    }
    inProgress.add(node);
    try {
      if (isSeq(node)) {
        return node.items.map((item, i) => convert(item as Node | null, [...path, i]));
      }
      if (isMap(node)) {
        const out: Record<string, unknown> = {};
        for (const pair of node.items) {
          const keyNode = pair.key as Node | null;
          const key = mapKeyText(doc, keyNode);
          if (key === null || key === '') {
            at(keyNode ?? (pair.value as Node | null), keyProblem(doc, keyNode), path);
            continue;
          }
          if (key === '__proto__') {
            at(keyNode, 'the key "__proto__" is not allowed anywhere (JavaScript reserves it)', [
              ...path,
              key,
            ]);
            continue;
          }
          Object.defineProperty(out, key, {
            value: convert(pair.value as Node | null, [...path, key]),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return out;
      }
      return null;
    } finally {
      inProgress.delete(node);
    }
  };

  const value = convert(doc.contents as Node | null, []);
  return { value, problems };
}

function keyProblem(doc: Document.Parsed, keyNode: Node | null): string {
  const key = resolveAlias(doc, keyNode);
  if (isMap(key) || isSeq(key)) return 'a key must be a plain value, not a list or a mapping';
  return 'empty key; write a name before the ":"';
}
