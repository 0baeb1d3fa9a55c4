import { existsSync, readdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import { secretHash, type JoinToken } from './join-token.js';
import { ensureSecretDir, SECRET_FILE_MODE, writeNewFile } from './secure-files.js';

/** What a token file holds: never the secret itself. */
export interface StoredToken {
  id: string;
  /** Hex SHA-256 of the secret. */
  secretSha256: string;
  createdAtMs: number;
  expiresAtMs: number;
}

/** Why a token was not accepted. */
export type TokenRefusal = 'unknown' | 'wrong-secret' | 'expired' | 'used';

/**
 * Join tokens issued on this host, one JSON file per token in `dir` (a TLS directory's
 * `tokens/`, mode 0700, files 0600). Single use is a rename: `consume` renames `<id>.json` to
 * `<id>.used`, and of two concurrent joins with the same token only one rename succeeds; the
 * `.used` file lets a second attempt be told the token was used rather than unknown.
 */
export class TokenStore {
  constructor(readonly dir: string) {}

  /** Store `token` (its secret hashed), valid for `ttlMs` from `nowMs`. */
  add(token: JoinToken, ttlMs: number, nowMs: number): StoredToken {
    ensureSecretDir(this.dir);
    const stored: StoredToken = {
      id: token.id,
      secretSha256: secretHash(token.secret),
      createdAtMs: nowMs,
      expiresAtMs: nowMs + ttlMs,
    };
    writeNewFile(this.path(token.id), `${JSON.stringify(stored)}\n`, SECRET_FILE_MODE);
    return stored;
  }

  /** Tokens not yet used, oldest first, expired ones included (with their expiry). */
  list(): StoredToken[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => n.endsWith('.json'))
      .flatMap((n) => {
        const t = this.read(n.slice(0, -5));
        return t === null ? [] : [t];
      })
      .sort((a, b) => a.createdAtMs - b.createdAtMs);
  }

  /**
   * Check `id` and `secret` and, if they match an unexpired token, use it up. Without a match
   * nothing changes (a wrong secret does not burn the token); an expired token is removed.
   */
  consume(
    id: string,
    secret: string,
    nowMs: number,
  ): { ok: true } | { ok: false; refusal: TokenRefusal } {
    if (!/^[a-z0-9]{6}$/.test(id)) return { ok: false, refusal: 'unknown' };
    const stored = this.read(id);
    if (stored === null)
      return { ok: false, refusal: existsSync(this.usedPath(id)) ? 'used' : 'unknown' };
    const expected = Buffer.from(stored.secretSha256, 'hex');
    const given = Buffer.from(secretHash(secret), 'hex');
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      return { ok: false, refusal: 'wrong-secret' };
    if (nowMs >= stored.expiresAtMs) {
      this.remove(id);
      return { ok: false, refusal: 'expired' };
    }
    try {
      renameSync(this.path(id), this.usedPath(id));
      return { ok: true };
    } catch {
      return { ok: false, refusal: 'used' };
    }
  }

  /** Delete token `id`; whether this call deleted it. */
  remove(id: string): boolean {
    try {
      unlinkSync(this.path(id));
      return true;
    } catch {
      return false;
    }
  }

  private read(id: string): StoredToken | null {
    try {
      const parsed = JSON.parse(readFileSync(this.path(id), 'utf8')) as Partial<StoredToken>;
      if (
        parsed.id !== id ||
        typeof parsed.secretSha256 !== 'string' ||
        typeof parsed.expiresAtMs !== 'number' ||
        typeof parsed.createdAtMs !== 'number'
      )
        return null;
      return parsed as StoredToken;
    } catch {
      return null;
    }
  }

  private usedPath(id: string): string {
    return join(this.dir, `${id}.used`);
  }

  private path(id: string): string {
    return join(this.dir, `${id}.json`);
  }
}
