import { createHash, X509Certificate } from 'node:crypto';

/**
 * The fingerprint of a CA certificate: `sha256:` and the hex SHA-256 of its DER encoding (as
 * kubeadm's discovery hash pins a CA). A join token carries it, so a joining node can tell the
 * real cluster from an impostor before it sends the token's secret anywhere.
 */
export function caFingerprint(caCertPem: string): string {
  const der = new X509Certificate(caCertPem).raw;
  return `sha256:${createHash('sha256').update(der).digest('hex')}`;
}
