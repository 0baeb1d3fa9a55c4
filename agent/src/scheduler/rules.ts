import type { RuleExpression } from '../config/model.js';

/**
 * Location rules on node attributes. Both sides compare as numbers when both are numbers
 * (a number, or a string written as a decimal number: attributes often arrive as text);
 * otherwise as strings in code-unit order. A missing attribute matches only `ne` and
 * `not-defined` (as in Pacemaker, "not equal to x" holds for a node without the attribute).
 */
export function ruleMatches(
  rule: RuleExpression,
  attributes: Readonly<Record<string, string | number>>,
): boolean {
  const defined = Object.prototype.hasOwnProperty.call(attributes, rule.attribute);
  if (rule.op === 'defined') return defined;
  if (rule.op === 'not-defined') return !defined;
  if (!defined) return rule.op === 'ne';
  if (rule.value === undefined) return false;
  const order = compareValues(attributes[rule.attribute]!, rule.value);
  switch (rule.op) {
    case 'eq':
      return order === 0;
    case 'ne':
      return order !== 0;
    case 'lt':
      return order < 0;
    case 'lte':
      return order <= 0;
    case 'gt':
      return order > 0;
    case 'gte':
      return order >= 0;
  }
}

/** True when every rule matches (an empty list matches every node). */
export function rulesMatch(
  rules: readonly RuleExpression[],
  attributes: Readonly<Record<string, string | number>>,
): boolean {
  for (const rule of rules) if (!ruleMatches(rule, attributes)) return false;
  return true;
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function asNumber(value: string | number): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  return DECIMAL.test(value.trim()) ? Number(value) : null;
}

function compareValues(left: string | number, right: string | number): number {
  const a = asNumber(left);
  const b = asNumber(right);
  if (a !== null && b !== null) return a < b ? -1 : a > b ? 1 : 0;
  const sa = String(left);
  const sb = String(right);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}
