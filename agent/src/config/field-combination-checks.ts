import type { ConfigProblem } from './config-problem.js';
import type { ConfigOutline } from './config-outline.js';
import { RULE_OPS, ON_FAIL_VALUES } from './config-schema.js';
import { quote } from './describe-value.js';

/**
 * Checks of fields that are each fine alone but not together:
 *
 * - a location constraint names one `node` or has `rules`, not both and not neither;
 * - a rule with `defined`/`not-defined` has no `value`, any other rule has one;
 * - `on-fail: fence` needs `properties.fencing: true` (with fencing off, nothing could ever
 *   carry out the fence, and the failed node would keep its resources);
 * - a systemd unit takes no `params` (they would be silently ignored).
 */
export function checkFieldCombinations(outline: ConfigOutline): ConfigProblem[] {
  const problems: ConfigProblem[] = [];

  for (const location of outline.locations) {
    const { node, rules } = location.fields;
    const hasNode = node !== undefined;
    const hasRules = Array.isArray(rules)
      ? rules.length > 0
      : rules !== undefined && rules !== null;
    if (hasNode && hasRules) {
      problems.push({
        path: [...location.path, 'rules'],
        message:
          'set either "node" (one node) or "rules" (every node whose attributes match them), not both',
      });
    } else if (!hasNode && !hasRules) {
      problems.push({
        path: location.path,
        message:
          'a location constraint needs "node" (one node) or "rules" (every node whose attributes match all of them)',
      });
    }
    if (!Array.isArray(rules)) continue;
    rules.forEach((rule: unknown, i) => {
      if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) return;
      const { op } = rule as Record<string, unknown>;
      if (typeof op !== 'string' || !(RULE_OPS as readonly string[]).includes(op)) return;
      const rulePath = [...location.path, 'rules', i];
      const hasValue = Object.hasOwn(rule, 'value');
      if ((op === 'defined' || op === 'not-defined') && hasValue) {
        problems.push({
          path: [...rulePath, 'value'],
          message: `op ${quote(op)} takes no value; remove "value"`,
        });
      } else if (op !== 'defined' && op !== 'not-defined' && !hasValue) {
        problems.push({
          path: [...rulePath, 'value'],
          message: `missing required key "value"; op ${quote(op)} compares the attribute with a value (a string or a number)`,
        });
      }
    });
  }

  if (outline.fencing === false) {
    const others = ON_FAIL_VALUES.filter((v) => v !== 'fence').join(', ');
    for (const { value, path } of outline.onFail) {
      if (value !== 'fence') continue;
      problems.push({
        path,
        message: `on-fail "fence" needs fencing; set properties.fencing: true, or use one of: ${others}`,
      });
    }
  }

  for (const resource of outline.resources) {
    const { agent, params } = resource.fields;
    if (typeof agent !== 'string' || !agent.startsWith('systemd:')) continue;
    if (typeof params === 'object' && params !== null && Object.keys(params).length > 0) {
      problems.push({
        path: [...resource.path, 'params'],
        message: 'a systemd unit takes no params; configure the unit itself, and remove "params"',
      });
    }
  }
  return problems;
}
