import { createHash, randomInt } from 'node:crypto';

/**
 * A join token: a bearer secret that admits one node, plus the fingerprint of the cluster CA
 * so the joining node can authenticate the cluster first (kubeadm's token and discovery hash
 * in one string). Shape: `QRT1.<id>.<secret>.<sha256 hex of the CA>`, where the id (6
 * characters) names the token on the issuing host and the secret is 16 characters [a-z0-9]
 * (about 82 bits). Only a hash of the secret is ever stored.
 */
export interface JoinToken {
  id: string;
  secret: string;
  /** `sha256:<hex>`, as {@link caFingerprint} computes it. */
  caFingerprint: string;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const TOKEN_PATTERN = /^QRT1\.([a-z0-9]{6})\.([a-z0-9]{16})\.([0-9a-f]{64})$/;

function randomString(length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

/** A fresh token for the cluster whose CA has fingerprint `caFingerprint`. */
export function generateJoinToken(caFingerprint: string): JoinToken {
  return { id: randomString(6), secret: randomString(16), caFingerprint };
}

/** The token as the operator copies it. */
export function formatJoinToken(token: JoinToken): string {
  return `QRT1.${token.id}.${token.secret}.${token.caFingerprint.replace(/^sha256:/, '')}`;
}

/** Parse a token string; on failure, a message saying what a token looks like. */
export function parseJoinToken(
  text: string,
): { ok: true; token: JoinToken } | { ok: false; message: string } {
  const m = TOKEN_PATTERN.exec(text.trim());
  if (m === null)
    return {
      ok: false,
      message:
        'malformed join token: expected QRT1.<id>.<secret>.<CA hash>, as printed by `clusterctl init` or `clusterctl token create`',
    };
  return { ok: true, token: { id: m[1]!, secret: m[2]!, caFingerprint: `sha256:${m[3]!}` } };
}

/** The stored form of a secret: hex SHA-256 (the secret has enough entropy not to need a slow hash). */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
