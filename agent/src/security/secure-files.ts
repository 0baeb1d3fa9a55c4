import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  statSync,
  writeSync,
} from 'node:fs';

/** Mode of private keys and token files: owner read/write only. */
export const SECRET_FILE_MODE = 0o600;
/** Mode of certificates: anyone may read them. */
export const PUBLIC_FILE_MODE = 0o644;
/** Mode of the TLS directory and its token directory: owner only. */
export const SECRET_DIR_MODE = 0o700;

/**
 * Create directory `dir` (and parents) owner-only, or tighten an existing one to 0700. The
 * mode is set explicitly because mkdir's is filtered by the umask.
 */
export function ensureSecretDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: SECRET_DIR_MODE });
  chmodSync(dir, SECRET_DIR_MODE);
}

/**
 * Write `content` to a new file `path` with `mode`, refusing to replace an existing file
 * (O_EXCL: no window in which another process's file is overwritten). The mode is set at
 * creation and again explicitly, so a key is never readable by others, whatever the umask.
 */
export function writeNewFile(path: string, content: string, mode: number): void {
  const fd = openSync(path, 'wx', mode);
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  chmodSync(path, mode);
}

/** The first of `paths` that exists, or null: checked before writing anything. */
export function firstExisting(paths: string[]): string | null {
  return paths.find((p) => existsSync(p)) ?? null;
}

/**
 * Why private file `path` is not private enough (readable or writable by group or others),
 * or null when it is. Like ssh, the agent refuses a key others can read.
 */
export function looseModeProblem(path: string): string | null {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) === 0) return null;
  return `${path} is accessible by others (mode ${mode.toString(8).padStart(4, '0')}); run chmod 600 ${path}`;
}
