import * as grpc from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import { identityOfPeer } from './certificate-identity.js';

/**
 * The server side of an agent's TLS: its node certificate, the cluster CA for client
 * certificates, and `interceptors` (peer authorization). Every client is asked for a
 * certificate but TLS lets one without through, so a node that has none yet can reach the
 * Bootstrap service; the interceptors refuse such calls everywhere else. grpc-js hands a
 * call the peer certificate only when the socket verified it against the CA.
 */
export function agentServerCredentials(
  caCertPem: string,
  certPem: string,
  keyPem: string,
  interceptors: grpc.ServerInterceptor[],
): grpc.ServerCredentials {
  const ca = Buffer.from(caCertPem);
  const identity = { certificate: Buffer.from(certPem), privateKey: Buffer.from(keyPem) };
  // grpc-js registers its watcher only after subscribing to the provider, so a provider that
  // answered synchronously would go unheard: answer on the next microtask.
  const caProvider: grpc.experimental.CertificateProvider = {
    addCaCertificateListener: (listener) => queueMicrotask(() => listener({ caCertificate: ca })),
    removeCaCertificateListener: () => undefined,
    addIdentityCertificateListener: (listener) => queueMicrotask(() => listener(identity)),
    removeIdentityCertificateListener: () => undefined,
  };
  const base = grpc.experimental.createCertificateProviderServerCredentials(
    caProvider,
    caProvider,
    false,
  );
  return grpc.experimental.createServerCredentialsWithInterceptors(base, interceptors);
}

/**
 * A check of the server's certificate in place of host-name matching: agents are dialled by
 * address, and certificates name nodes, not addresses. TLS has already verified the chain to
 * the cluster CA; this requires a node certificate of `clusterId`.
 */
export function serverIdentityCheck(
  clusterId: string,
): (hostname: string, cert: PeerCertificate) => Error | undefined {
  return (_hostname, cert) => {
    const identity = identityOfPeer(cert);
    if (identity === null || identity.role !== 'node' || identity.clusterId !== clusterId)
      return new Error(
        `the server's certificate is not a node certificate of cluster "${clusterId}"`,
      );
    return undefined;
  };
}

/**
 * Client credentials for dialling agents of `clusterId` with certificate `certPem` (a node's,
 * for agents; the admin's, for clusterctl): the server must present a node certificate of
 * the cluster signed by `caCertPem`.
 */
export function clusterChannelCredentials(
  clusterId: string,
  caCertPem: string,
  certPem: string,
  keyPem: string,
): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(
    Buffer.from(caCertPem),
    Buffer.from(keyPem),
    Buffer.from(certPem),
    {
      checkServerIdentity: serverIdentityCheck(clusterId),
    },
  );
}
