// tsyringe, under @peculiar/x509, needs the Reflect metadata polyfill loaded first; ES modules
// evaluate their imports in order, so this import must stay above the next one.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/**
 * @peculiar/x509 with Node's WebCrypto as its provider: the one place the security module
 * gets certificate generation from. Import `x509` from here, never from the package, so the
 * polyfill and the provider are always set up first.
 */
export { x509 };

/** Node's WebCrypto: generates, imports and exports every key. */
export const crypto = webcrypto;

/** A WebCrypto key (Node's type; the project compiles without the DOM library). */
export type CryptoKey = webcrypto.CryptoKey;

/** A WebCrypto key pair. */
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

/**
 * The key algorithm of every key Quorate makes: ECDSA on P-256 with SHA-256 (small keys and
 * certificates, fast to generate, accepted by every TLS stack Node ships with).
 */
export const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
