import * as grpc from '@grpc/grpc-js';
import { newAdminClient } from '../agent/src/api/admin-proto.js';
import type { RefusalCode } from '../agent/src/api/api-result.js';
import { refusalCodeOf } from '../agent/src/api/refusal-status.js';
import type { CliFailure, CliResult } from './cli-failure.js';
import { ExitCode } from './exit-codes.js';

/** The exit code for each kind of refusal by the cluster. */
const EXIT_OF_REFUSAL: Record<RefusalCode, ExitCode> = {
  'invalid-argument': ExitCode.REFUSED,
  'not-found': ExitCode.REFUSED,
  'failed-precondition': ExitCode.REFUSED,
  unavailable: ExitCode.UNAVAILABLE,
  timeout: ExitCode.TIMED_OUT,
  internal: ExitCode.INTERNAL,
};

/** A server stream in progress: resolves when it ends; `cancel` ends it from this side. */
export interface StreamHandle {
  done: Promise<CliResult<null>>;
  cancel(): void;
}

/**
 * clusterctl's client for the Admin service of one agent (proto/cluster.proto). Every call
 * has a deadline; every failure comes back as a {@link CliFailure} value with its exit code
 * and a message that says what to do: a refusal by the cluster keeps the agent's own words,
 * a failure to reach the agent names the endpoint and how to choose another.
 */
export class AdminClient {
  private readonly client: grpc.Client;

  constructor(
    readonly endpoint: string,
    private readonly requestTimeoutMs: number,
    credentials: grpc.ChannelCredentials,
  ) {
    this.client = newAdminClient(endpoint, credentials, {
      // Fail fast when nothing listens instead of retrying until the deadline.
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 1000,
      // Agents are dialled by address but certificates name nodes (the identity check looks
      // at the role instead); a name here also keeps an IP address out of TLS SNI.
      'grpc.ssl_target_name_override': 'quorate-node',
    });
  }

  /** Call unary `method`; `timeoutMs` overrides the request timeout (for calls that wait). */
  call<Reply>(method: string, request: object, timeoutMs?: number): Promise<CliResult<Reply>> {
    const fn = (this.client as unknown as Record<string, UnaryMethod<Reply>>)[method]!;
    return new Promise((resolve) => {
      fn.call(
        this.client,
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + (timeoutMs ?? this.requestTimeoutMs) },
        (err, reply) => {
          if (err !== null) resolve({ ok: false, failure: this.failureOf(err) });
          else resolve({ ok: true, value: reply as Reply });
        },
      );
    });
  }

  /** Open server stream `method`, handing each message to `onMessage`. No deadline. */
  stream<Message>(method: string, request: object, onMessage: (m: Message) => void): StreamHandle {
    const fn = (this.client as unknown as Record<string, StreamMethod>)[method]!;
    const call = fn.call(this.client, request, new grpc.Metadata(), {});
    let cancelled = false;
    const done = new Promise<CliResult<null>>((resolve) => {
      call.on('data', (m: Message) => onMessage(m));
      call.on('end', () => resolve({ ok: true, value: null }));
      call.on('error', (err: grpc.ServiceError) => {
        if (cancelled || err.code === grpc.status.CANCELLED) resolve({ ok: true, value: null });
        else resolve({ ok: false, failure: this.failureOf(err) });
      });
    });
    return {
      done,
      cancel: () => {
        cancelled = true;
        call.cancel();
      },
    };
  }

  /** Release the connection. */
  close(): void {
    this.client.close();
  }

  /** The failure for a gRPC error: a refusal by the cluster, or no (usable) answer at all. */
  private failureOf(err: grpc.ServiceError): CliFailure {
    const refusal = refusalCodeOf(err);
    if (refusal !== null) return { exitCode: EXIT_OF_REFUSAL[refusal], message: err.details };
    const where = `the agent at ${this.endpoint}`;
    switch (err.code) {
      case grpc.status.UNAVAILABLE:
        return {
          exitCode: ExitCode.UNAVAILABLE,
          message:
            `cannot reach ${where}: ${connectionProblem(err.details)}. Is clusterd running there? ` +
            `Choose another agent with --endpoint host:port or QUORATE_ENDPOINT`,
        };
      case grpc.status.DEADLINE_EXCEEDED:
        return {
          exitCode: ExitCode.TIMED_OUT,
          message: `${where} did not answer in time (raise --request-timeout, or try another agent with --endpoint)`,
        };
      case grpc.status.UNAUTHENTICATED:
      case grpc.status.PERMISSION_DENIED:
        return {
          exitCode: ExitCode.REFUSED,
          message: `${where} refused clusterctl's credentials: ${err.details}`,
        };
      case grpc.status.UNIMPLEMENTED:
        return {
          exitCode: ExitCode.UNAVAILABLE,
          message: `${where} does not serve this admin call (${err.details}): is it clusterd, and of the same version as clusterctl?`,
        };
      default:
        return {
          exitCode: ExitCode.INTERNAL,
          message: `${where} failed: ${grpc.status[err.code] ?? err.code}: ${err.details}`,
        };
    }
  }
}

/** The gist of a gRPC connection failure ("connection refused"), or the details as they are. */
function connectionProblem(details: string): string {
  const known: [RegExp, string][] = [
    [/ECONNREFUSED/, 'connection refused'],
    [/ENOTFOUND|EAI_AGAIN|Name resolution failed/i, 'unknown host'],
    [/EHOSTUNREACH|ENETUNREACH/, 'host unreachable'],
    [/ETIMEDOUT/, 'connection timed out'],
    [/ECONNRESET/, 'connection reset'],
    [
      /Failed to connect/,
      'the connection failed (with --insecure: the agent probably requires TLS, the default; leave --insecure out)',
    ],
    [
      /certificate|SSL|TLS|secure|handshake/i,
      `TLS handshake failed (${details}); is the agent from another cluster, or started with --insecure while clusterctl uses TLS (or the other way round)?`,
    ],
  ];
  for (const [pattern, text] of known) if (pattern.test(details)) return text;
  return details;
}

type UnaryMethod<Reply> = (
  request: object,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, reply?: Reply) => void,
) => grpc.ClientUnaryCall;

type StreamMethod = (
  request: object,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
) => grpc.ClientReadableStream<unknown>;
