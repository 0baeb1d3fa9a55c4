import { join } from 'node:path';

/** Where `clusterctl init` and `clusterctl join` put a host's TLS material by default. */
export const DEFAULT_TLS_DIR = '/etc/quorate/tls';

/**
 * The files of a TLS directory. One directory per host:
 * - `ca.crt` on every host; `ca.key` only where certificates are issued (the `init` host);
 * - `node.crt` / `node.key`: this host's agent identity (role node);
 * - `admin.crt` / `admin.key`: clusterctl's identity (role admin), made by `init`;
 * - `tokens/`: join tokens issued here, one file each, holding only a hash of the secret.
 */
export interface TlsFiles {
  dir: string;
  caCert: string;
  caKey: string;
  nodeCert: string;
  nodeKey: string;
  adminCert: string;
  adminKey: string;
  tokens: string;
}

/** The paths of the files in TLS directory `dir`. */
export function tlsFiles(dir: string): TlsFiles {
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    nodeCert: join(dir, 'node.crt'),
    nodeKey: join(dir, 'node.key'),
    adminCert: join(dir, 'admin.crt'),
    adminKey: join(dir, 'admin.key'),
    tokens: join(dir, 'tokens'),
  };
}
