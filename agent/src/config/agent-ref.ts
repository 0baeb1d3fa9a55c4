import { describeValue, quote } from './describe-value.js';
import { didYouMean } from './did-you-mean.js';
import type { AgentRef } from './model.js';
import { accept, reject, type ParseOutcome } from './parse-outcome.js';
import { SAFE_NAME_RULE, unsafeNameReason } from './safe-name.js';

/** The accepted forms in words, for error messages and docs. */
export const AGENT_FORMS =
  'ocf:<provider>:<type> (e.g. ocf:heartbeat:IPaddr2, ocf:quorate:vip) or systemd:<unit> (e.g. systemd:nginx.service)';

/** Unit types systemd knows; a unit name without one of these suffixes gets ".service", as with systemctl. */
const SYSTEMD_UNIT_TYPES = [
  'service',
  'socket',
  'target',
  'mount',
  'automount',
  'swap',
  'timer',
  'path',
  'slice',
  'scope',
  'device',
];

/** systemd's own limit on unit name length. */
const MAX_UNIT_NAME_LENGTH = 255;

const UNIT_NAME = /^[A-Za-z0-9][A-Za-z0-9:_.@\\-]*$/;

/**
 * Read an agent reference: `ocf:<provider>:<type>` or `systemd:<unit>`. The provider and type
 * become a path (/usr/lib/ocf/resource.d/<provider>/<type>), so they must be safe names (no
 * "/", no ".."); a unit name must start with a letter or digit (never read as an option by
 * systemctl). `systemd:nginx` is read as `systemd:nginx.service`, as systemctl would, so the
 * model always holds the full unit name.
 */
export function parseAgentRef(value: unknown): ParseOutcome<AgentRef> {
  if (typeof value !== 'string') {
    return reject(`expected an agent: ${AGENT_FORMS}; got ${describeValue(value)}`);
  }
  const expected = `expected ${AGENT_FORMS}`;
  const bad = (why: string): ParseOutcome<AgentRef> =>
    reject(`invalid agent ${quote(value)}: ${why}; ${expected}`);
  const colon = value.indexOf(':');
  if (colon < 0) return bad('no class (ocf: or systemd:)');
  const agentClass = value.slice(0, colon);
  const rest = value.slice(colon + 1);
  if (agentClass === 'ocf') {
    const parts = rest.split(':');
    if (parts.length !== 2) return bad('an OCF agent has exactly three parts');
    const [provider, type] = parts;
    const providerReason = unsafeNameReason(provider);
    if (providerReason !== undefined) {
      return bad(`in the provider, ${providerReason} (allowed: ${SAFE_NAME_RULE})`);
    }
    const typeReason = unsafeNameReason(type);
    if (typeReason !== undefined)
      return bad(`in the type, ${typeReason} (allowed: ${SAFE_NAME_RULE})`);
    return accept({ class: 'ocf', provider, type });
  }
  if (agentClass === 'systemd') {
    if (rest.length > MAX_UNIT_NAME_LENGTH) return bad('the unit name is too long');
    if (!UNIT_NAME.test(rest)) {
      return bad(
        'a unit name has letters, digits and ":_.@\\-", and starts with a letter or digit',
      );
    }
    const suffix = rest.slice(rest.lastIndexOf('.') + 1);
    const unit =
      rest.includes('.') && SYSTEMD_UNIT_TYPES.includes(suffix) ? rest : `${rest}.service`;
    return accept({ class: 'systemd', type: unit });
  }
  return reject(
    `invalid agent ${quote(value)}: unsupported class ${quote(agentClass)}${didYouMean(agentClass, ['ocf', 'systemd'], expected)}`,
  );
}

/** The string form of an agent reference, as users write it (`ocf:heartbeat:IPaddr2`). */
export function formatAgentRef(ref: AgentRef): string {
  return ref.class === 'ocf' ? `ocf:${ref.provider}:${ref.type}` : `systemd:${ref.type}`;
}
