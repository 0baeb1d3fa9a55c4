import type { FenceDevice } from './fence-device.js';

/** What a secret value is replaced with in logs, results and errors. */
export const REDACTED = '***';

// Whole names, or the last `_`/`-` separated part of a name, that mark a secret: `passwd`,
// `snmp_priv_passwd`, `api_key`, `community` (an SNMP community string is a password).
const SECRET_WORDS = new Set([
  'passwd',
  'password',
  'pass',
  'key',
  'secret',
  'token',
  'community',
  'credential',
  'credentials',
]);

/**
 * Whether a device parameter holds a secret, by its name: `passwd`, `password`, `key`,
 * `secret`, `token`, `community`, or a name ending in one of them after `_` or `-`
 * (`snmp_priv_passwd`, `api-key`). Names are compared case-insensitively. Errs on the side of
 * secrecy: redacting a harmless value costs a little readability, leaking a password costs
 * the cluster.
 */
export function isSecretParamName(name: string): boolean {
  const lower = name.toLowerCase();
  if (SECRET_WORDS.has(lower)) return true;
  const last = lower.split(/[_-]/).pop() ?? '';
  return SECRET_WORDS.has(last) || lower.includes('passw');
}

/** The names of the device's secret parameters: recognised by name, or listed by the device. */
export function secretParamNames(device: Pick<FenceDevice, 'params' | 'secretParams'>): string[] {
  const extra = new Set(device.secretParams ?? []);
  return Object.keys(device.params).filter((name) => extra.has(name) || isSecretParamName(name));
}

/** The distinct non-empty values of the device's secret parameters, longest first. */
export function secretValues(device: Pick<FenceDevice, 'params' | 'secretParams'>): string[] {
  const values = secretParamNames(device)
    .map((name) => device.params[name] ?? '')
    .filter((value) => value.length > 0);
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}

/**
 * `text` with every occurrence of every secret replaced by {@link REDACTED}: each run of
 * characters covered by some occurrence (overlapping ones included) becomes one marker, so
 * no character of any secret survives. With `cut`, the text was truncated: a tail that could
 * be the start of a secret is covered too, so a bound that falls inside a password cannot
 * leak its first characters.
 */
export function redactSecrets(text: string, secrets: readonly string[], cut = false): string {
  const covered = new Uint8Array(text.length);
  let any = false;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + 1)) {
      covered.fill(1, at, at + secret.length);
      any = true;
    }
    if (!cut) continue;
    for (let length = Math.min(secret.length - 1, text.length); length > 0; length -= 1) {
      if (text.endsWith(secret.slice(0, length))) {
        covered.fill(1, text.length - length);
        any = true;
        break;
      }
    }
  }
  if (!any) return text;
  let out = '';
  for (let i = 0; i < text.length; i += 1) {
    if (covered[i] === 0) out += text[i];
    else if (i === 0 || covered[i - 1] === 0) out += REDACTED;
  }
  return out;
}

/**
 * The device's parameters as they may be shown (in `clusterctl` output or a log): secret
 * values replaced by {@link REDACTED}.
 */
export function redactedParams(
  device: Pick<FenceDevice, 'params' | 'secretParams'>,
): Record<string, string> {
  const secret = new Set(secretParamNames(device));
  return Object.fromEntries(
    Object.entries(device.params).map(([name, value]) => [
      name,
      secret.has(name) ? REDACTED : value,
    ]),
  );
}
