import type { PeerCertificate } from 'node:tls';

/**
 * What a certificate lets its holder do: `node` (an agent: Raft, leases, the admin API,
 * serving TLS) or `admin` (clusterctl: the admin API only).
 */
export type CertificateRole = 'node' | 'admin';

/** Who a certificate names: a node or an administrator, of one cluster. */
export interface CertificateIdentity {
  role: CertificateRole;
  /** The node id (role node) or the administrator's name (role admin). */
  name: string;
  clusterId: string;
}

/** The organizational unit that carries the role, e.g. `quorate-node`. */
const OU_PREFIX = 'quorate-';

/** Names that may appear in a subject unescaped: the characters of node and cluster ids. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** Why `value` cannot be a name in a certificate (node id, cluster id), or null if it can. */
export function certificateNameProblem(what: string, value: string): string | null {
  if (SAFE_NAME.test(value)) return null;
  return `${what} ${JSON.stringify(value)} is not a valid name: use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit`;
}

/**
 * The distinguished name of a certificate for `identity`: CN the name, OU the role, O the
 * cluster. Names are checked by {@link certificateNameProblem} first (throws RangeError), so
 * nothing needs escaping and the subject parses back unambiguously.
 */
export function subjectName(identity: CertificateIdentity): string {
  for (const [what, value] of [
    ['name', identity.name],
    ['cluster id', identity.clusterId],
  ] as const) {
    const problem = certificateNameProblem(what, value);
    if (problem !== null) throw new RangeError(problem);
  }
  return `CN=${identity.name}, OU=${OU_PREFIX}${identity.role}, O=${identity.clusterId}`;
}

/**
 * The identity named by a peer certificate as Node's TLS socket reports it (subject fields as
 * strings, or arrays when repeated), or null when it is not a Quorate certificate: exactly one
 * CN, OU and O, and a known role. Says nothing about who signed it: callers only ask this of a
 * certificate TLS has verified against the cluster CA.
 */
export function identityOfPeer(cert: Pick<PeerCertificate, 'subject'>): CertificateIdentity | null {
  const subject = cert.subject as unknown as Record<string, string | string[] | undefined>;
  const one = (key: string): string | null => {
    const value = subject[key];
    return typeof value === 'string' ? value : null;
  };
  const name = one('CN');
  const ou = one('OU');
  const clusterId = one('O');
  if (name === null || ou === null || clusterId === null || !ou.startsWith(OU_PREFIX)) return null;
  const role = ou.slice(OU_PREFIX.length);
  if (role !== 'node' && role !== 'admin') return null;
  return { role, name, clusterId };
}

/**
 * The identity in a subject string as `X509Certificate.subject` gives it ("CN=a\nOU=b\nO=c"),
 * or null (see {@link identityOfPeer}).
 */
export function identityOfSubject(subject: string): CertificateIdentity | null {
  const fields: Record<string, string | string[]> = {};
  for (const line of subject.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    const prev = fields[key];
    fields[key] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
  }
  return identityOfPeer({ subject: fields as unknown as PeerCertificate['subject'] });
}
