import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  Scalar,
  type Document,
  type Node,
  type ParsedNode,
  type YAMLError,
  visit,
} from 'yaml';

import type { ConfigPath } from './config-path.js';
import type { ConfigProblem } from './config-problem.js';
import { quote } from './describe-value.js';

/** Files larger than this are refused before parsing (a configuration is kilobytes). */
export const MAX_CONFIG_CHARS = 4 * 1024 * 1024;

/**
 * Lines indented deeper than this, or brackets nested deeper, are refused before parsing:
 * the YAML parser recurses once per level and extreme nesting can exhaust the stack in ways
 * that abort the whole process instead of throwing. Real files stay under 50.
 */
export const MAX_NESTING = 1000;

/** A 1-based line and column. */
export interface SourcePosition {
  line: number;
  column: number;
}

/**
 * A configuration file parsed into a YAML document that keeps source positions, plus the
 * means to find the line and column of any field path in it. Aliases (`*name`) are followed,
 * so a path through an alias lands on the anchored node, where the text actually is.
 */
export class YamlSource {
  private constructor(
    readonly text: string,
    readonly doc: Document.Parsed | null,
    private readonly lineCounter: LineCounter,
  ) {}

  /**
   * Parse `text`. Problems are the YAML syntax errors and warnings (with offsets), a refusal
   * of oversized or absurdly nested input, or none. When there are problems the document is
   * not worth validating further: it may be a partial reading of what the user meant.
   */
  static parse(text: string): { source: YamlSource; problems: ConfigProblem[] } {
    const lineCounter = new LineCounter();
    const refusal = refuseBeforeParsing(text);
    if (refusal !== undefined) {
      lineCounter.addNewLine(0);
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
        lineCounter.addNewLine(i + 1);
      }
      return { source: new YamlSource(text, null, lineCounter), problems: [refusal] };
    }
    const doc = parseDocument(text, {
      lineCounter,
      prettyErrors: false,
      uniqueKeys: true,
      strict: true,
    });
    const problems = [...doc.errors, ...doc.warnings].map((e) => yamlProblem(doc, e));
    return { source: new YamlSource(text, doc, lineCounter), problems };
  }

  /** The line and column of a character offset. */
  positionOfOffset(offset: number): SourcePosition {
    const { line, col } = this.lineCounter.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { line: Math.max(1, line), column: Math.max(1, col) };
  }

  /**
   * Where a problem should point: its explicit offset; else the node at its path (the key
   * node when `atKey`); for a path that does not exist (a missing key), the deepest existing
   * node on the way, i.e. the mapping that lacks the key.
   */
  positionOf(problem: ConfigProblem): SourcePosition {
    if (problem.offset !== undefined) return this.positionOfOffset(problem.offset);
    const found = this.find(problem.path);
    const node = problem.atKey && found.keyNode !== undefined ? found.keyNode : found.node;
    return this.positionOfOffset(node?.range?.[0] ?? 0);
  }

  /** The 1-based line of the node at `path` (for messages that point at a second place). */
  lineOf(path: ConfigPath): number {
    return this.positionOf({ path, message: '' }).line;
  }

  /**
   * The text of the scalar at `path` exactly as written when it is a plain (unquoted)
   * scalar, else undefined. Parameters use it so `mode: 0755` stays "0755" and
   * `version: 1.10` stays "1.10" instead of going through a number.
   */
  plainTextAt(path: ConfigPath): string | undefined {
    const { node, complete } = this.find(path);
    if (!complete || !isScalar(node) || node.type !== Scalar.PLAIN) return undefined;
    return node.source;
  }

  /**
   * Walk `path` from the document root through mappings (by key text, see mapKeyText) and
   * sequences (by index), following aliases. `complete` tells whether the whole path exists.
   */
  private find(path: ConfigPath): { node: Node | null; keyNode?: Node; complete: boolean } {
    const doc = this.doc;
    if (doc === null) return { node: null, complete: false };
    let node: Node | null = doc.contents;
    let keyNode: Node | undefined;
    for (const segment of path) {
      const current = resolveAlias(doc, node);
      let next: Node | null | undefined;
      if (isMap(current)) {
        const pair = current.items.find(
          (p) => mapKeyText(doc, p.key as Node | null) === String(segment),
        );
        if (pair !== undefined) {
          keyNode = (pair.key as Node | null) ?? undefined;
          // An empty value (`key:` with nothing after it) is located at its key.
          next = (pair.value as Node | null) ?? keyNode ?? null;
        }
      } else if (isSeq(current) && typeof segment === 'number') {
        next = current.items[segment] as Node | undefined;
        keyNode = undefined;
      }
      if (next === undefined || next === null) return { node: current, complete: false };
      node = next;
    }
    return { node: resolveAlias(doc, node), keyNode, complete: true };
  }
}

/**
 * Follow an alias to the node it names (repeatedly, for an alias of an alias); other nodes are
 * returned as is. An alias whose anchor is undefined resolves to null.
 */
export function resolveAlias(doc: Document.Parsed, node: Node | null): Node | null {
  let current = node;
  for (let hops = 0; isAlias(current) && hops < 100; hops += 1) {
    current = (current.resolve(doc) as ParsedNode | undefined) ?? null;
  }
  return isAlias(current) ? null : current;
}

/**
 * The text of a mapping key, as the loader compares it with the allowed keys: a string key
 * as is; a plain number or boolean exactly as written (`0755`, `true`); null for keys that
 * are not scalars (a list or mapping used as a key) or are empty, which the loader refuses.
 */
export function mapKeyText(doc: Document.Parsed, keyNode: Node | null): string | null {
  const key = resolveAlias(doc, keyNode);
  if (!isScalar(key) || key.value === null || key.value === undefined) return null;
  if (typeof key.value === 'string') return key.value;
  return key.type === Scalar.PLAIN && key.source !== undefined ? key.source : String(key.value);
}

/** A size or nesting refusal, checked on the raw text before the parser sees it. */
function refuseBeforeParsing(text: string): ConfigProblem | undefined {
  if (text.length > MAX_CONFIG_CHARS) {
    return {
      path: [],
      offset: 0,
      message: `the file is too large (${text.length} characters); the limit is ${MAX_CONFIG_CHARS}`,
    };
  }
  let depth = 0;
  let indent = 0;
  let atLineStart = true;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '\n') {
      atLineStart = true;
      indent = 0;
      continue;
    }
    if (atLineStart) {
      // Indentation, and the "- ", "? " and ": " that nest compactly on one line.
      if (c === ' ' || c === '\t' || c === '-' || c === '?' || c === ':') {
        indent += 1;
        if (indent > MAX_NESTING) return nestingProblem(i);
      } else atLineStart = false;
    }
    if (c === '[' || c === '{') {
      depth += 1;
      if (depth > MAX_NESTING) return nestingProblem(i);
    } else if ((c === ']' || c === '}') && depth > 0) depth -= 1;
  }
  return undefined;
}

function nestingProblem(offset: number): ConfigProblem {
  return {
    path: [],
    offset,
    message: `the file nests deeper than ${MAX_NESTING} levels; a configuration needs a handful`,
  };
}

/** A YAML parser error or warning as a problem, with clearer words for the common ones. */
function yamlProblem(doc: Document.Parsed, error: YAMLError): ConfigProblem {
  const offset = error.pos[0];
  let message: string;
  switch (error.code) {
    case 'MULTIPLE_DOCS':
      message =
        'the file holds more than one YAML document ("---" or "..." after content); put the whole configuration in one document';
      break;
    case 'DUPLICATE_KEY': {
      const key = keyAt(doc, offset);
      message = `duplicate key${key === null ? '' : ` ${quote(key)}`}; a key may appear only once in a mapping`;
      break;
    }
    case 'TAG_RESOLVE_FAILED':
      message = `invalid YAML: ${error.message}; this format uses no tags, remove it`;
      break;
    default:
      message = `invalid YAML: ${error.message}`;
  }
  return { path: [], offset, message };
}

/** The text of the mapping key that starts at `offset`, if any. */
function keyAt(doc: Document.Parsed, offset: number): string | null {
  let found: string | null = null;
  visit(doc, {
    Pair: (_, pair) => {
      const key = pair.key as Node | null;
      if (key?.range?.[0] !== offset) return undefined;
      found = mapKeyText(doc, key);
      return visit.BREAK;
    },
  });
  return found;
}
