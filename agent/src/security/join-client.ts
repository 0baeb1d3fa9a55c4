import * as grpc from '@grpc/grpc-js';
import { existsSync, readFileSync } from 'node:fs';
import { caFingerprint } from './ca-fingerprint.js';
import { certificateProblem } from './certificate-check.js';
import {
  createCertificateRequest,
  generateKeyPair,
  privateKeyPem,
} from './certificate-authority.js';
import { certificateNameProblem } from './certificate-identity.js';
import { newBootstrapClient, type DiscoverReply, type JoinReply } from './bootstrap-proto.js';
import type { JoinToken } from './join-token.js';
import {
  ensureSecretDir,
  firstExisting,
  PUBLIC_FILE_MODE,
  SECRET_FILE_MODE,
  writeNewFile,
} from './secure-files.js';
import { tlsFiles } from './tls-files.js';
import { serverIdentityCheck } from './tls-credentials.js';

/** Why a join failed: bad input here, a refusal there, or no answer at all. */
export type JoinFailureKind = 'invalid' | 'refused' | 'unavailable';

/** What a join did. */
export interface JoinOutcome {
  clusterId: string;
  caFingerprint: string;
  issuedBy: string;
  files: string[];
}

/** What `clusterctl join` was asked for. */
export interface JoinClusterRequest {
  /** Any agent holding the CA key ("host:port"). */
  endpoint: string;
  token: JoinToken;
  nodeId: string;
  /** This host's TLS directory, to create. */
  dir: string;
  timeoutMs: number;
  nowMs(): number;
}

type UnaryMethod<Reply> = (
  request: object,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, reply: Reply) => void,
) => grpc.ClientUnaryCall;

type Result<T> = { ok: true; value: T } | { ok: false; kind: JoinFailureKind; message: string };

function unary<Reply>(
  client: grpc.Client,
  method: string,
  request: object,
  timeoutMs: number,
): Promise<Result<Reply>> {
  const fn = (client as unknown as Record<string, UnaryMethod<Reply>>)[method]!;
  return new Promise((resolve) => {
    fn.call(
      client,
      request,
      { deadline: Date.now() + timeoutMs },
      (err: grpc.ServiceError | null, reply: Reply) => {
        if (err === null) resolve({ ok: true, value: reply });
        else if (err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED)
          resolve({ ok: false, kind: 'unavailable', message: err.details });
        else resolve({ ok: false, kind: 'refused', message: err.details });
      },
    );
  });
}

/**
 * Join this host to a cluster: (1) ask the agent at `endpoint` for the cluster CA without
 * trusting it, (2) check the CA against the fingerprint in the token — a mismatch stops here,
 * before the secret is sent, (3) make a key pair and a certificate request, (4) send the
 * token and the request over TLS verified against that CA, (5) check the certificate we get
 * and write node.key (0600), node.crt and ca.crt into `dir` (0700). Refuses, before asking
 * anything, when this host already has a node certificate or key there.
 */
export async function joinCluster(req: JoinClusterRequest): Promise<Result<JoinOutcome>> {
  const nameProblem = certificateNameProblem('node id', req.nodeId);
  if (nameProblem !== null) return { ok: false, kind: 'invalid', message: nameProblem };
  const f = tlsFiles(req.dir);
  const existing = firstExisting([f.nodeCert, f.nodeKey]);
  if (existing !== null)
    return {
      ok: false,
      kind: 'invalid',
      message: `${existing} already exists: this host already has a node identity; join never overwrites TLS material (use another --tls-dir)`,
    };
  const where = `the agent at ${req.endpoint}`;
  const discoverClient = newBootstrapClient(
    req.endpoint,
    // Not verified on purpose: what comes back is checked against the token's fingerprint.
    grpc.credentials.createSsl(null, null, null, {
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
    }),
  );
  let discovered: Result<DiscoverReply>;
  try {
    discovered = await unary<DiscoverReply>(discoverClient, 'Discover', {}, req.timeoutMs);
  } finally {
    discoverClient.close();
  }
  if (!discovered.ok)
    return {
      ...discovered,
      message: `cannot discover the cluster at ${req.endpoint}: ${discovered.message}. Is clusterd running there with TLS?`,
    };
  const { caCertPem, clusterId } = discovered.value;
  let fingerprint: string;
  try {
    fingerprint = caFingerprint(caCertPem);
  } catch {
    return { ok: false, kind: 'refused', message: `${where} sent no valid CA certificate` };
  }
  if (fingerprint !== req.token.caFingerprint)
    return {
      ok: false,
      kind: 'refused',
      message:
        `${where} presents CA ${fingerprint}, but the token is for CA ${req.token.caFingerprint}: ` +
        `wrong endpoint or not the cluster you think; nothing was sent`,
    };
  if (existsSync(f.caCert) && readFileSync(f.caCert, 'utf8') !== caCertPem)
    return {
      ok: false,
      kind: 'invalid',
      message: `${f.caCert} exists and holds another CA: use another --tls-dir`,
    };
  const keys = await generateKeyPair();
  const csrPem = await createCertificateRequest(keys, req.nodeId);
  const joinClient = newBootstrapClient(
    req.endpoint,
    grpc.credentials.createSsl(Buffer.from(caCertPem), null, null, {
      checkServerIdentity: serverIdentityCheck(clusterId),
    }),
  );
  let joined: Result<JoinReply>;
  try {
    joined = await unary<JoinReply>(
      joinClient,
      'Join',
      { tokenId: req.token.id, tokenSecret: req.token.secret, nodeId: req.nodeId, csrPem },
      req.timeoutMs,
    );
  } finally {
    joinClient.close();
  }
  if (!joined.ok) return { ...joined, message: `${where} refused the join: ${joined.message}` };
  const problem = certificateProblem(joined.value.certPem, caCertPem, req.nowMs());
  if (problem !== null)
    return {
      ok: false,
      kind: 'refused',
      message: `${where} sent a certificate that is not usable: ${problem}`,
    };
  ensureSecretDir(req.dir);
  const files: string[] = [];
  writeNewFile(f.nodeKey, await privateKeyPem(keys.privateKey), SECRET_FILE_MODE);
  files.push(f.nodeKey);
  writeNewFile(f.nodeCert, joined.value.certPem, PUBLIC_FILE_MODE);
  files.push(f.nodeCert);
  if (!existsSync(f.caCert)) {
    writeNewFile(f.caCert, caCertPem, PUBLIC_FILE_MODE);
    files.push(f.caCert);
  }
  return {
    ok: true,
    value: { clusterId, caFingerprint: fingerprint, issuedBy: joined.value.issuedBy, files },
  };
}
