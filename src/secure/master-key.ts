/**
 * Where the master key comes from: a value the caller read from `LEPTON_MASTER_KEY`, else a 0600
 * key file, created exclusively on first start so two processes can never race to different keys.
 */
import { readFileSync, statSync, writeFileSync, linkSync, rmSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LeptonError, ensureDir } from '../core/index.js';
import { parseMasterKey, generateMasterKey, formatMasterKey, type MasterKey } from './envelope.js';

export interface MasterKeySourceOptions {
  /** Path of the key file (the CLI passes `$LEPTON_HOME/master.key`). */
  path: string;
  /** The `LEPTON_MASTER_KEY` value, read by the caller; when set it wins and no file is touched. */
  envValue?: string | undefined;
  /** Create the file when missing (default true). */
  create?: boolean;
}

export interface LoadedMasterKey {
  key: MasterKey;
  source: 'env' | 'file' | 'generated';
  /** True when the key file is readable by group or others; the caller should warn. */
  loosePermissions: boolean;
}

function readKeyFile(path: string): LoadedMasterKey {
  let text: string;
  let mode: number;
  try {
    text = readFileSync(path, 'utf8');
    mode = statSync(path).mode;
  } catch (err) {
    throw new LeptonError('LEPTON_ERR_IO', `cannot read master key file ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return { key: parseMasterKey(text), source: 'file', loosePermissions: (mode & 0o077) !== 0 };
  } catch (err) {
    throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `master key file ${path} is invalid: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Resolve the master key. Never overwrites an existing key file: a lost master key makes every
 * encrypted object unreadable, so creation uses link(2), which fails if another process won.
 */
export function loadOrCreateMasterKey(options: MasterKeySourceOptions): LoadedMasterKey {
  if (options.envValue !== undefined && options.envValue.trim() !== '') {
    return { key: parseMasterKey(options.envValue), source: 'env', loosePermissions: false };
  }
  try {
    statSync(options.path);
    return readKeyFile(options.path);
  } catch (err) {
    if (err instanceof LeptonError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new LeptonError('LEPTON_ERR_IO', `cannot stat master key file ${options.path}: ${(err as Error).message}`, { cause: err });
    }
  }
  if (options.create === false) {
    throw new LeptonError('LEPTON_ERR_NOT_FOUND', `no master key: set LEPTON_MASTER_KEY or create ${options.path}`);
  }
  const key = generateMasterKey();
  const dir = dirname(options.path);
  ensureDir(dir);
  const tmp = join(dir, `.${basename(options.path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, `${formatMasterKey(key)}\n`, { mode: 0o600, flag: 'wx' });
    const fd = openSync(tmp, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
    linkSync(tmp, options.path);
    return { key, source: 'generated', loosePermissions: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readKeyFile(options.path);
    throw new LeptonError('LEPTON_ERR_IO', `cannot create master key file ${options.path}: ${(err as Error).message}`, { cause: err });
  } finally {
    rmSync(tmp, { force: true });
  }
}
