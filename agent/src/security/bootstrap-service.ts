import * as grpc from '@grpc/grpc-js';
import { certificateNameProblem } from './certificate-identity.js';
import type { CryptoKey } from './x509.js';
import type { TokenRefusal, TokenStore } from './token-store.js';
import {
  bootstrapServiceDefinition,
  type DiscoverReply,
  type JoinReply,
  type JoinRequest,
} from './bootstrap-proto.js';

/** Where admissions and refused joins are reported (a pino logger fits). */
export interface BootstrapLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** What the Bootstrap service runs with. */
export interface BootstrapContext {
  clusterId: string;
  /** This agent's node id (named in answers as the issuer). */
  nodeId: string;
  caCertPem: string;
  /** The CA's private key, or null when this host does not hold it (then Join is refused). */
  caKeyPem: string | null;
  /** Tokens issued on this host (`clusterctl init` / `clusterctl token create`). */
  tokens: TokenStore;
  nowMs(): number;
  logger: BootstrapLogger;
}

const TOKEN_REFUSALS: Record<TokenRefusal, string> = {
  unknown:
    'is not known on this agent: a token is valid only on the host where it was created; ' +
    'join through that agent, or create one here with `clusterctl token create`',
  'wrong-secret': 'does not match: copy the whole token as it was printed',
  expired: 'has expired: create a new one with `clusterctl token create`',
  used: 'was already used: each token admits one node; create a new one with `clusterctl token create`',
};

function serviceError(code: grpc.status, details: string): Partial<grpc.StatusObject> {
  return { code, details, metadata: new grpc.Metadata() };
}

/**
 * Admit `req.nodeId`: check the name and the certificate request (so a bad request does not
 * use up the token), use the token up, and sign a node certificate for the request's key.
 * Returns the reply or the status to refuse with.
 */
export async function handleJoin(
  ctx: BootstrapContext,
  req: JoinRequest,
): Promise<{ ok: true; reply: JoinReply } | { ok: false; status: Partial<grpc.StatusObject> }> {
  const refuse = (code: grpc.status, details: string) => ({
    ok: false as const,
    status: serviceError(code, details),
  });
  const nameProblem = certificateNameProblem('node id', req.nodeId);
  if (nameProblem !== null) return refuse(grpc.status.INVALID_ARGUMENT, nameProblem);
  if (ctx.caKeyPem === null)
    return refuse(
      grpc.status.FAILED_PRECONDITION,
      `node ${ctx.nodeId} does not hold the cluster CA's key, so it cannot admit nodes: join through the agent where \`clusterctl init\` ran`,
    );
  // Loaded on the first join: the X.509 library is heavy and most agents never admit a node.
  const { issueCertificate, publicKeyOfRequest } = await import('./certificate-authority.js');
  let publicKey: CryptoKey;
  try {
    publicKey = await publicKeyOfRequest(req.csrPem);
  } catch (err) {
    return refuse(grpc.status.INVALID_ARGUMENT, err instanceof Error ? err.message : String(err));
  }
  const used = ctx.tokens.consume(req.tokenId, req.tokenSecret, ctx.nowMs());
  if (!used.ok) {
    ctx.logger.warn(
      { joiner: req.nodeId, token: req.tokenId, refusal: used.refusal },
      'join refused',
    );
    return refuse(
      grpc.status.UNAUTHENTICATED,
      `join token ${req.tokenId} ${TOKEN_REFUSALS[used.refusal]}`,
    );
  }
  const certPem = await issueCertificate(
    { certPem: ctx.caCertPem, keyPem: ctx.caKeyPem },
    { role: 'node', name: req.nodeId, clusterId: ctx.clusterId },
    publicKey,
    ctx.nowMs(),
  );
  ctx.logger.info({ joiner: req.nodeId, token: req.tokenId }, 'node admitted: certificate issued');
  return {
    ok: true,
    reply: { clusterId: ctx.clusterId, caCertPem: ctx.caCertPem, certPem, issuedBy: ctx.nodeId },
  };
}

/**
 * The Bootstrap service of proto/bootstrap.proto, for GrpcTransport's `extraServices`. It is
 * the one service callers without a certificate reach (see peer-authorization.ts); Discover
 * gives only public facts, Join nothing without a valid token.
 */
export function bootstrapService(ctx: BootstrapContext): {
  definition: grpc.ServiceDefinition;
  implementation: grpc.UntypedServiceImplementation;
} {
  return {
    definition: bootstrapServiceDefinition(),
    implementation: {
      Discover: (
        _call: grpc.ServerUnaryCall<object, DiscoverReply>,
        callback: grpc.sendUnaryData<DiscoverReply>,
      ) => callback(null, { clusterId: ctx.clusterId, caCertPem: ctx.caCertPem }),
      Join: (
        call: grpc.ServerUnaryCall<JoinRequest, JoinReply>,
        callback: grpc.sendUnaryData<JoinReply>,
      ) => {
        handleJoin(ctx, call.request).then(
          (r) => (r.ok ? callback(null, r.reply) : callback(r.status)),
          (err: unknown) => {
            ctx.logger.warn({ err: String(err), joiner: call.request.nodeId }, 'join failed');
            callback(serviceError(grpc.status.INTERNAL, `internal error: ${String(err)}`));
          },
        );
      },
    },
  };
}
