import type { ConfigPath } from './config-path.js';

/**
 * A tolerant summary of a configuration file, for the checks that look across definitions
 * (references, duplicates, conflicts). It is read from the raw YAML values, not from the
 * schema's output, so those checks run even when some fields are malformed: a file with a bad
 * duration still gets its dangling references reported in the same run. A field of the wrong
 * type is simply left out (the schema reports it), so no check ever trips over it.
 */

/** An id written somewhere, and where. */
export interface IdRef {
  id: string;
  path: ConfigPath;
}

/** What an id names. */
export type DefinitionKind = 'resource' | 'group' | 'clone' | 'location' | 'colocation' | 'order';

/** One definition that has an id, with the path of its `id` value. */
export interface Definition extends IdRef {
  kind: DefinitionKind;
}

/** A list item of one of the sections, with its path and (when it is a string) its id. */
export interface OutlineItem {
  path: ConfigPath;
  id?: string;
  /** The raw mapping (empty when the item is not a mapping). */
  fields: Record<string, unknown>;
}

/** A group: its members that are strings. */
export interface OutlineGroup extends OutlineItem {
  members: IdRef[];
}

/** A clone: the resource it clones, when that is a string. */
export interface OutlineClone extends OutlineItem {
  resource?: IdRef;
}

/** A constraint: the ids it relates (resource/with, first/then), when they are strings. */
export interface OutlineConstraint extends OutlineItem {
  refs: IdRef[];
}

/** The summary. See the file comment. */
export interface ConfigOutline {
  /** properties.fencing (false when absent), or undefined when it is not a boolean. */
  fencing: boolean | undefined;
  /** Every `on-fail` value written, with its path. */
  onFail: { value: unknown; path: ConfigPath }[];
  resources: OutlineItem[];
  groups: OutlineGroup[];
  clones: OutlineClone[];
  locations: OutlineConstraint[];
  colocations: OutlineConstraint[];
  orders: OutlineConstraint[];
  /** Every definition with a string id, in section order. */
  definitions: Definition[];
  /** What each id names (the first definition when an id is duplicated). */
  kindOf: Map<string, DefinitionKind>;
  /** The group that holds each primitive (the first one, when several claim it). */
  groupOf: Map<string, string>;
  /**
   * The clone that clones each primitive or group (the first one, when several do; a grouped
   * primitive is never counted as cloned).
   */
  cloneOf: Map<string, string>;
}

/** Read the outline of a raw configuration value (whatever its shape). */
export function outlineConfig(raw: unknown): ConfigOutline {
  const root = asRecord(raw);
  const properties = asRecord(root.properties);
  const constraints = asRecord(root.constraints);
  const resources = items(root.resources, ['resources']);
  const groups = items(root.groups, ['groups']).map((g) => ({
    ...g,
    members: asArray(g.fields.members).flatMap((m, i) =>
      typeof m === 'string' ? [{ id: m, path: [...g.path, 'members', i] }] : [],
    ),
  }));
  const clones = items(root.clones, ['clones']).map((c) => ({
    ...c,
    resource: ref(c, 'resource'),
  }));
  const constraint = (key: string, refKeys: string[]): OutlineConstraint[] =>
    items(constraints[key], ['constraints', key]).map((c) => ({
      ...c,
      refs: refKeys.flatMap((k) => ref(c, k) ?? []),
    }));
  const locations = constraint('location', ['resource']);
  const colocations = constraint('colocation', ['resource', 'with']);
  const orders = constraint('order', ['first', 'then']);

  const onFail: ConfigOutline['onFail'] = [];
  const noteOnFail = (meta: unknown, path: ConfigPath): void => {
    const record = asRecord(meta);
    if (Object.hasOwn(record, 'on-fail'))
      onFail.push({ value: record['on-fail'], path: [...path, 'on-fail'] });
  };
  noteOnFail(properties['resource-defaults'], ['properties', 'resource-defaults']);
  for (const item of [...resources, ...groups, ...clones]) {
    noteOnFail(item.fields.meta, [...item.path, 'meta']);
  }

  const definitions: Definition[] = [];
  const define = (list: OutlineItem[], kind: DefinitionKind): void => {
    for (const item of list) {
      if (item.id !== undefined)
        definitions.push({ id: item.id, kind, path: [...item.path, 'id'] });
    }
  };
  define(resources, 'resource');
  define(groups, 'group');
  define(clones, 'clone');
  define(locations, 'location');
  define(colocations, 'colocation');
  define(orders, 'order');

  const kindOf = new Map<string, DefinitionKind>();
  for (const d of definitions) if (!kindOf.has(d.id)) kindOf.set(d.id, d.kind);
  const groupOf = new Map<string, string>();
  for (const g of groups) {
    if (g.id === undefined || kindOf.get(g.id) !== 'group') continue;
    for (const m of g.members) {
      if (kindOf.get(m.id) === 'resource' && !groupOf.has(m.id)) groupOf.set(m.id, g.id);
    }
  }
  const cloneOf = new Map<string, string>();
  for (const c of clones) {
    if (c.id === undefined || c.resource === undefined || kindOf.get(c.id) !== 'clone') continue;
    const target = c.resource.id;
    const kind = kindOf.get(target);
    // A clone of a grouped primitive is refused; it does not make the primitive a clone's.
    const valid = kind === 'group' || (kind === 'resource' && !groupOf.has(target));
    if (valid && !cloneOf.has(target)) cloneOf.set(target, c.id);
  }

  return {
    fencing:
      properties.fencing === undefined
        ? false
        : typeof properties.fencing === 'boolean'
          ? properties.fencing
          : undefined,
    onFail,
    resources,
    groups,
    clones,
    locations,
    colocations,
    orders,
    definitions,
    kindOf,
    groupOf,
    cloneOf,
  };
}

/**
 * The clone a resource, group or group member ends up inside, if any: constraints must name
 * the clone, not what is inside it.
 */
export function enclosingClone(outline: ConfigOutline, id: string): string | undefined {
  const direct = outline.cloneOf.get(id);
  if (direct !== undefined) return direct;
  const group = outline.groupOf.get(id);
  return group === undefined ? undefined : outline.cloneOf.get(group);
}

function items(value: unknown, path: ConfigPath): OutlineItem[] {
  return asArray(value).map((item, i) => {
    const fields = asRecord(item);
    const id = typeof fields.id === 'string' ? fields.id : undefined;
    return { path: [...path, i], id, fields };
  });
}

function ref(item: OutlineItem, key: string): IdRef | undefined {
  const value = item.fields[key];
  return typeof value === 'string' && value !== ''
    ? { id: value, path: [...item.path, key] }
    : undefined;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
