import { existsSync, readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import type { KeyAndCert } from './certificate-authority.js';
import { certificateProblem } from './certificate-check.js';
import { identityOfSubject } from './certificate-identity.js';
import { looseModeProblem } from './secure-files.js';
import { tlsFiles } from './tls-files.js';

/** An agent's TLS material, checked: its certificate is its own and the CA's. */
export interface NodeTlsMaterial {
  dir: string;
  caCertPem: string;
  node: KeyAndCert;
  /** The CA's key, when this host holds it: then this agent can admit joining nodes. */
  caKeyPem: string | null;
  /** When the node certificate expires (ISO 8601), for the start-up log. */
  validTo: string;
}

/**
 * Load and check the TLS material of agent `nodeId` of `clusterId` from TLS directory `dir`:
 * ca.crt, node.crt and node.key must exist, the keys must not be readable by others, the
 * certificate must be signed by ca.crt, valid now, and name this node in this cluster. Any
 * problem comes back as one message saying what and what to do; the agent refuses to start.
 */
export function loadNodeTlsMaterial(
  dir: string,
  nodeId: string,
  clusterId: string,
  nowMs: number,
): { ok: true; material: NodeTlsMaterial } | { ok: false; message: string } {
  const f = tlsFiles(dir);
  const missing = [f.caCert, f.nodeCert, f.nodeKey].filter((p) => !existsSync(p));
  if (missing.length > 0)
    return {
      ok: false,
      message:
        `no TLS material for this node in ${dir} (missing ${missing.join(', ')}): run \`clusterctl init\` ` +
        `on the first node or \`clusterctl join\` on this one, point --tls-dir at the right ` +
        `directory, or start with --insecure (development only: no authentication, no encryption)`,
    };
  const keyFiles = [f.nodeKey, ...(existsSync(f.caKey) ? [f.caKey] : [])];
  for (const key of keyFiles) {
    const problem = looseModeProblem(key);
    if (problem !== null) return { ok: false, message: problem };
  }
  const caCertPem = readFileSync(f.caCert, 'utf8');
  const certPem = readFileSync(f.nodeCert, 'utf8');
  let problem: string | null;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
    problem = certificateProblem(certPem, caCertPem, nowMs);
  } catch (err) {
    return { ok: false, message: `cannot read ${f.nodeCert} or ${f.caCert}: ${String(err)}` };
  }
  if (problem !== null) return { ok: false, message: `${f.nodeCert} is not usable: ${problem}` };
  const identity = identityOfSubject(cert.subject);
  if (identity === null || identity.role !== 'node')
    return {
      ok: false,
      message: `${f.nodeCert} is not a Quorate node certificate (subject ${cert.subject.replace(/\n/g, ', ')})`,
    };
  if (identity.name !== nodeId)
    return {
      ok: false,
      message: `${f.nodeCert} belongs to node ${identity.name}, but this agent is --id ${nodeId}: use that id, or the TLS directory of ${nodeId}`,
    };
  if (identity.clusterId !== clusterId)
    return {
      ok: false,
      message: `${f.nodeCert} is for cluster "${identity.clusterId}", but this agent is --cluster-id ${clusterId}`,
    };
  return {
    ok: true,
    material: {
      dir,
      caCertPem,
      node: { certPem, keyPem: readFileSync(f.nodeKey, 'utf8') },
      caKeyPem: existsSync(f.caKey) ? readFileSync(f.caKey, 'utf8') : null,
      validTo: cert.validTo,
    },
  };
}
