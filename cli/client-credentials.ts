import * as grpc from '@grpc/grpc-js';
import { existsSync, readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { identityOfSubject } from '../agent/src/security/certificate-identity.js';
import { clusterChannelCredentials } from '../agent/src/security/tls-credentials.js';
import { tlsFiles } from '../agent/src/security/tls-files.js';
import { fail, type CliResult } from './cli-failure.js';
import { ExitCode } from './exit-codes.js';
import type { GlobalOptions } from './options.js';

/**
 * The credentials clusterctl dials an agent with — the one place transport security plugs
 * in: the admin certificate and key made by `clusterctl init` (admin.crt, admin.key) and the
 * cluster CA (ca.crt) from the TLS directory (--tls-dir); or, with --insecure, none
 * (plaintext, for agents started with --insecure). Missing or foreign material is a failure
 * saying where clusterctl looked and what to do: clusterctl never falls back to plaintext on
 * its own.
 */
export function clientCredentials(options: GlobalOptions): CliResult<grpc.ChannelCredentials> {
  const { tlsDir: dir, insecure } = options;
  if (insecure) return { ok: true, value: grpc.credentials.createInsecure() };
  const f = tlsFiles(dir);
  const missing = [f.caCert, f.adminCert, f.adminKey].filter((p) => !existsSync(p));
  if (missing.length > 0)
    return fail(
      ExitCode.REFUSED,
      `no admin credentials in ${dir} (missing ${missing.join(', ')}): run clusterctl where ` +
        '`clusterctl init` ran, or copy its admin.crt, admin.key and ca.crt into a directory ' +
        'named by --tls-dir or QUORATE_TLS_DIR (keys mode 0600); --insecure only talks to agents started with --insecure',
    );
  let clusterId: string;
  try {
    const identity = identityOfSubject(new X509Certificate(readFileSync(f.adminCert)).subject);
    if (identity === null || identity.role !== 'admin')
      return fail(ExitCode.REFUSED, `${f.adminCert} is not a Quorate admin certificate`);
    clusterId = identity.clusterId;
    return {
      ok: true,
      value: clusterChannelCredentials(
        clusterId,
        readFileSync(f.caCert, 'utf8'),
        readFileSync(f.adminCert, 'utf8'),
        readFileSync(f.adminKey, 'utf8'),
      ),
    };
  } catch (err) {
    return fail(
      ExitCode.REFUSED,
      `cannot read the admin credentials in ${dir}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
