import { randomBytes } from 'node:crypto';
import { subjectName, type CertificateIdentity } from './certificate-identity.js';
import { crypto, KEY_ALGORITHM, x509, type CryptoKey, type CryptoKeyPair } from './x509.js';

/** A certificate with its private key, both PEM. */
export interface KeyAndCert {
  certPem: string;
  keyPem: string;
}

/** How long the cluster CA is valid: ten years (kubeadm's choice too). */
export const CA_VALIDITY_DAYS = 3650;
/** How long node and admin certificates are valid: one year. */
export const LEAF_VALIDITY_DAYS = 365;
/** Certificates start a little in the past, so a clock slightly behind still accepts them. */
const BACKDATE_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

/** A fresh ECDSA P-256 key pair (extractable, so the private key can be saved). */
export async function generateKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
}

/** A private key as PKCS#8 PEM. */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** Import a PKCS#8 PEM private key made by {@link privateKeyPem}, for signing. */
export async function importPrivateKey(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decode(pem)[0];
  if (der === undefined) throw new Error('no PEM block in the private key file');
  return crypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, false, ['sign']);
}

/** A random positive serial number (16 bytes, the top bit cleared), as hex. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

/**
 * A new self-signed cluster CA for `clusterId`: may sign certificates (path length 0: no
 * intermediate CAs), nothing else. Valid {@link CA_VALIDITY_DAYS} from `nowMs`.
 */
export async function createClusterCa(clusterId: string, nowMs: number): Promise<KeyAndCert> {
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=quorate-ca, O=${clusterId}`,
    notBefore: new Date(nowMs - BACKDATE_MS),
    notAfter: new Date(nowMs + CA_VALIDITY_DAYS * DAY_MS),
    signingAlgorithm: KEY_ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

/**
 * A certificate for `identity` with `publicKey`, signed by the cluster CA `ca`. A node
 * certificate serves and dials TLS (server and client auth, its id as DNS name); an admin
 * certificate only dials (client auth). Valid {@link LEAF_VALIDITY_DAYS} from `nowMs`.
 */
export async function issueCertificate(
  ca: KeyAndCert,
  identity: CertificateIdentity,
  publicKey: CryptoKey,
  nowMs: number,
): Promise<string> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importPrivateKey(ca.keyPem);
  const usages =
    identity.role === 'node'
      ? [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]
      : [x509.ExtendedKeyUsage.clientAuth];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(usages, false),
    await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
  ];
  if (identity.role === 'node')
    extensions.push(
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: identity.name }]),
    );
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: subjectName(identity),
    issuer: caCert.subject,
    notBefore: new Date(nowMs - BACKDATE_MS),
    notAfter: new Date(nowMs + LEAF_VALIDITY_DAYS * DAY_MS),
    signingAlgorithm: KEY_ALGORITHM,
    publicKey,
    signingKey: caKey,
    extensions,
  });
  return cert.toString('pem');
}

/** A new key pair and a certificate for it signed by `ca`: init makes the first node's and the admin's this way. */
export async function issueKeyAndCertificate(
  ca: KeyAndCert,
  identity: CertificateIdentity,
  nowMs: number,
): Promise<KeyAndCert> {
  const keys = await generateKeyPair();
  const certPem = await issueCertificate(ca, identity, keys.publicKey, nowMs);
  return { certPem, keyPem: await privateKeyPem(keys.privateKey) };
}

/**
 * A PKCS#10 request for `keys`: how a joining node proves it holds the private key of the
 * certificate it asks for, without the key ever leaving its host. The CA ignores the
 * request's subject and names the certificate itself.
 */
export async function createCertificateRequest(keys: CryptoKeyPair, name: string): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${name}`,
    keys,
    signingAlgorithm: KEY_ALGORITHM,
  });
  return csr.toString('pem');
}

/**
 * The public key of certificate request `csrPem`, after checking its self-signature (proof of
 * possession). Throws an Error saying what is wrong with a malformed or unsigned request, or
 * one whose key is not ECDSA P-256.
 */
export async function publicKeyOfRequest(csrPem: string): Promise<CryptoKey> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (err) {
    throw new Error(
      `not a PEM certificate request: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  if (!(await csr.verify()))
    throw new Error('the certificate request is not signed by its own key');
  const alg = csr.publicKey.algorithm as { name: string; namedCurve?: string };
  if (alg.name !== 'ECDSA' || alg.namedCurve !== 'P-256')
    throw new Error('the certificate request must carry an ECDSA P-256 key');
  return csr.publicKey.export(KEY_ALGORITHM, ['verify'], crypto);
}
