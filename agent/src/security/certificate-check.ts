import { X509Certificate } from 'node:crypto';

/**
 * Why `certPem` is not a valid certificate of CA `caPem` at `nowMs` (wrong issuer, bad
 * signature, not yet or no longer valid), or null. The chain has one link, so this is the
 * whole path check; TLS repeats it on every connection.
 */
export function certificateProblem(certPem: string, caPem: string, nowMs: number): string | null {
  const cert = new X509Certificate(certPem);
  const ca = new X509Certificate(caPem);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey))
    return 'it is not signed by this cluster CA';
  if (Date.parse(cert.validFrom) > nowMs) return `it is not valid before ${cert.validFrom}`;
  if (Date.parse(cert.validTo) <= nowMs) return `it expired on ${cert.validTo}`;
  return null;
}
