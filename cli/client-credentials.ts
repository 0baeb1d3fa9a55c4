import * as grpc from '@grpc/grpc-js';
import type { GlobalOptions } from './options.js';

/**
 * The credentials clusterctl dials an agent with: the one place transport security plugs in
 * (certificates named by global options, for instance). Plain text for now, as the agents
 * serve it.
 */
export function clientCredentials(options: GlobalOptions): grpc.ChannelCredentials {
  void options;
  return grpc.credentials.createInsecure();
}
