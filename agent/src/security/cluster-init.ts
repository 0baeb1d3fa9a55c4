import { caFingerprint } from './ca-fingerprint.js';
import { createClusterCa, issueKeyAndCertificate } from './certificate-authority.js';
import { certificateNameProblem } from './certificate-identity.js';
import { formatJoinToken, generateJoinToken } from './join-token.js';
import {
  ensureSecretDir,
  firstExisting,
  PUBLIC_FILE_MODE,
  SECRET_FILE_MODE,
  writeNewFile,
} from './secure-files.js';
import { tlsFiles } from './tls-files.js';
import { TokenStore } from './token-store.js';

/** What `clusterctl init` was asked for. */
export interface ClusterInitRequest {
  /** The TLS directory to create (the agent's --tls-dir). */
  dir: string;
  clusterId: string;
  /** The first node's id (its clusterd --id). */
  nodeId: string;
  /** The administrator named in the admin certificate. */
  adminName: string;
  /** Lifetime of the join token printed with the result; 0 for none. */
  tokenTtlMs: number;
  nowMs: number;
}

/** What `init` made. */
export interface ClusterInitResult {
  caFingerprint: string;
  /** The files written, in the order written. */
  files: string[];
  /** A join token (formatted), or null when none was asked for. */
  token: string | null;
  tokenExpiresAtMs: number | null;
}

/**
 * Create a cluster's TLS material in `dir`: the CA (ca.crt, ca.key), the first node's
 * certificate (node.crt, node.key) and an admin certificate for clusterctl (admin.crt,
 * admin.key), keys 0600 and the directory 0700; plus, if asked, a join token. Refuses —
 * before writing anything — when any of these files exists: material is never overwritten
 * (a new CA would lock every existing node out). Throws an Error saying what to do.
 */
export async function initCluster(req: ClusterInitRequest): Promise<ClusterInitResult> {
  for (const [what, value] of [
    ['cluster id', req.clusterId],
    ['node id', req.nodeId],
    ['admin name', req.adminName],
  ] as const) {
    const problem = certificateNameProblem(what, value);
    if (problem !== null) throw new Error(problem);
  }
  const f = tlsFiles(req.dir);
  const existing = firstExisting([
    f.caCert,
    f.caKey,
    f.nodeCert,
    f.nodeKey,
    f.adminCert,
    f.adminKey,
  ]);
  if (existing !== null)
    throw new Error(
      `${existing} already exists: this host is already initialised, and init never overwrites ` +
        `TLS material (a new CA would lock out every node). Use another --tls-dir, or remove ` +
        `the old material yourself if you really mean to start a new cluster`,
    );
  // Everything is made in memory first, so a failure leaves nothing half-written.
  const ca = await createClusterCa(req.clusterId, req.nowMs);
  const node = await issueKeyAndCertificate(
    ca,
    { role: 'node', name: req.nodeId, clusterId: req.clusterId },
    req.nowMs,
  );
  const admin = await issueKeyAndCertificate(
    ca,
    { role: 'admin', name: req.adminName, clusterId: req.clusterId },
    req.nowMs,
  );
  const fingerprint = caFingerprint(ca.certPem);
  ensureSecretDir(req.dir);
  const writes: [string, string, number][] = [
    [f.caKey, ca.keyPem, SECRET_FILE_MODE],
    [f.caCert, ca.certPem, PUBLIC_FILE_MODE],
    [f.nodeKey, node.keyPem, SECRET_FILE_MODE],
    [f.nodeCert, node.certPem, PUBLIC_FILE_MODE],
    [f.adminKey, admin.keyPem, SECRET_FILE_MODE],
    [f.adminCert, admin.certPem, PUBLIC_FILE_MODE],
  ];
  for (const [path, content, mode] of writes) writeNewFile(path, content, mode);
  let token: string | null = null;
  let tokenExpiresAtMs: number | null = null;
  if (req.tokenTtlMs > 0) {
    const t = generateJoinToken(fingerprint);
    tokenExpiresAtMs = new TokenStore(f.tokens).add(t, req.tokenTtlMs, req.nowMs).expiresAtMs;
    token = formatJoinToken(t);
  }
  return { caFingerprint: fingerprint, files: writes.map((w) => w[0]), token, tokenExpiresAtMs };
}
