import * as grpc from '@grpc/grpc-js';
import { bootstrapService } from './bootstrap-service.js';
import { caFingerprint } from './ca-fingerprint.js';
import { loadNodeTlsMaterial } from './node-tls-material.js';
import { peerAuthorization } from './peer-authorization.js';
import { clusterChannelCredentials, agentServerCredentials } from './tls-credentials.js';
import { tlsFiles } from './tls-files.js';
import { TokenStore } from './token-store.js';

/** Where the security set-up reports (a pino logger fits). */
export interface SecurityLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** How an agent talks: the credentials for its server and its clients, and extra services. */
export interface AgentSecurity {
  /** `tls` (mutual TLS, the default) or `insecure` (plaintext, --insecure). */
  mode: 'tls' | 'insecure';
  serverCredentials: grpc.ServerCredentials;
  /** For every connection this agent opens to another agent (Raft, leases, admin relays). */
  channelCredentials: grpc.ChannelCredentials;
  /** gRPC options for those connections (a TLS name in place of the address, under TLS). */
  channelOptions: grpc.ChannelOptions;
  /** Services to serve next to the others (the Bootstrap service, under TLS). */
  extraServices: {
    definition: grpc.ServiceDefinition;
    implementation: grpc.UntypedServiceImplementation;
  }[];
}

/** What {@link agentSecurity} needs to know. */
export interface AgentSecurityOptions {
  nodeId: string;
  clusterId: string;
  tlsDir: string;
  insecure: boolean;
  logger: SecurityLogger;
  nowMs(): number;
}

/**
 * The agent's security, set up once at start: with `insecure`, plaintext and no checks at all,
 * logged as a warning; otherwise mutual TLS from the node's material in `tlsDir` (checked by
 * {@link loadNodeTlsMaterial}; throws an Error with its message when unusable), with peer
 * authorization on every call and the Bootstrap service for joining nodes.
 */
export function agentSecurity(o: AgentSecurityOptions): AgentSecurity {
  if (o.insecure) {
    o.logger.warn(
      { insecure: true },
      'INSECURE MODE (--insecure): no TLS, no authentication; anyone who reaches this port can ' +
        'change the cluster. For development only',
    );
    return {
      mode: 'insecure',
      serverCredentials: grpc.ServerCredentials.createInsecure(),
      channelCredentials: grpc.credentials.createInsecure(),
      channelOptions: {},
      extraServices: [],
    };
  }
  const loaded = loadNodeTlsMaterial(o.tlsDir, o.nodeId, o.clusterId, o.nowMs());
  if (!loaded.ok) throw new Error(loaded.message);
  const m = loaded.material;
  o.logger.info(
    {
      tlsDir: m.dir,
      caFingerprint: caFingerprint(m.caCertPem),
      certificateValidTo: m.validTo,
      admitsJoins: m.caKeyPem !== null,
    },
    'mutual TLS on: peers and clients need certificates of the cluster CA',
  );
  return {
    mode: 'tls',
    serverCredentials: agentServerCredentials(m.caCertPem, m.node.certPem, m.node.keyPem, [
      peerAuthorization(o.clusterId, o.logger),
    ]),
    channelCredentials: clusterChannelCredentials(
      o.clusterId,
      m.caCertPem,
      m.node.certPem,
      m.node.keyPem,
    ),
    channelOptions: { 'grpc.ssl_target_name_override': 'quorate-node' },
    extraServices: [
      bootstrapService({
        clusterId: o.clusterId,
        nodeId: o.nodeId,
        caCertPem: m.caCertPem,
        caKeyPem: m.caKeyPem,
        tokens: new TokenStore(tlsFiles(m.dir).tokens),
        nowMs: o.nowMs,
        logger: o.logger,
      }),
    ],
  };
}
