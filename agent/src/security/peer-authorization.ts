import * as grpc from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import { identityOfPeer, type CertificateRole } from './certificate-identity.js';

/** Where refused calls are reported (a pino logger fits). */
export interface AuthorizationLogger {
  warn(obj: object, msg: string): void;
}

/** Methods anyone may call: the bootstrap of a joining node, which has no certificate yet. */
const OPEN_PREFIX = '/quorate.admin.Bootstrap/';
/** The admin API: clusterctl (admin) and agents relaying to their leader (node). */
const ADMIN_PREFIX = '/quorate.admin.Admin/';
/** Admin methods only agents call on each other. */
const AGENT_ONLY_ADMIN = new Set(['/quorate.admin.Admin/SetPeerAddress']);

/**
 * The roles allowed to call gRPC method `path`, or null for anyone: the Bootstrap service is
 * open (its Join checks a token); the admin API takes node and admin certificates; everything
 * else — Raft streams, lease renewals, agent-to-agent admin calls — only node certificates.
 * Unknown methods fall in the last class: what is not listed is agents' only.
 */
export function rolesFor(path: string): readonly CertificateRole[] | null {
  if (path.startsWith(OPEN_PREFIX)) return null;
  if (path.startsWith(ADMIN_PREFIX) && !AGENT_ONLY_ADMIN.has(path)) return ['node', 'admin'];
  return ['node'];
}

/**
 * Why a caller presenting `cert` may not call `path` in cluster `clusterId`, as a gRPC status,
 * or null when it may. `cert` is what the TLS socket verified against the cluster CA (grpc-js
 * reports a peer certificate only when the socket is authorized), so an absent certificate
 * means none, or one the CA did not sign, or an expired one.
 */
export function authorizationRefusal(
  path: string,
  cert: PeerCertificate | undefined,
  clusterId: string,
): { code: grpc.status; details: string } | null {
  const roles = rolesFor(path);
  if (roles === null) return null;
  if (cert === undefined)
    return {
      code: grpc.status.UNAUTHENTICATED,
      details:
        "a client certificate signed by this cluster's CA is required: clusterctl reads it from --tls-dir " +
        '(admin.crt, admin.key, ca.crt, made by `clusterctl init`); an agent from its --tls-dir (node.crt, node.key)',
    };
  const identity = identityOfPeer(cert);
  if (identity === null || identity.clusterId !== clusterId)
    return {
      code: grpc.status.PERMISSION_DENIED,
      details: `the client certificate does not name a node or administrator of cluster "${clusterId}"`,
    };
  if (!roles.includes(identity.role))
    return {
      code: grpc.status.PERMISSION_DENIED,
      details: `${path} is for ${roles.join(' or ')} certificates; ${identity.name} presented an ${identity.role} certificate`,
    };
  return null;
}

/**
 * A gRPC server interceptor enforcing {@link authorizationRefusal} on every call before its
 * handler sees anything: the TLS layer asks every client for a certificate but lets a
 * connection without one through (so a joining node can reach Bootstrap); this is where
 * such a connection is stopped for everything else. Refusals are logged with the method.
 */
export function peerAuthorization(
  clusterId: string,
  logger: AuthorizationLogger,
): grpc.ServerInterceptor {
  return (method, call) =>
    new grpc.ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, mdNext) => {
            const cert = call.getAuthContext().sslPeerCertificate;
            const refusal = authorizationRefusal(method.path, cert, clusterId);
            if (refusal === null) {
              mdNext(metadata);
              return;
            }
            logger.warn(
              {
                method: method.path,
                peer: call.getPeer(),
                code: grpc.status[refusal.code],
                details: refusal.details,
              },
              'call refused: not authorized',
            );
            call.sendStatus({ ...refusal, metadata: new grpc.Metadata() });
          },
        }),
    });
}
