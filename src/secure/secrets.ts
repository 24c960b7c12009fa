/**
 * The secrets vault: named values encrypted at rest with envelope encryption, bound to their name,
 * behind a small storage interface (a 0600 file per secret here). Values are never logged.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { inspect } from 'node:util';
import { join } from 'node:path';
import { LeptonError, invalidArgument, writeFileAtomic, ensureDir } from '../core/index.js';
import { encryptEnvelope, decryptEnvelope, rewrapEnvelope, envelopeKeyId, type MasterKey } from './envelope.js';
import { validateName, isValidName } from './names.js';

/** Where encrypted secret blobs live. Implementations see only ciphertext. */
export interface SecretStorage {
  read(name: string): Promise<Buffer | undefined>;
  write(name: string, blob: Uint8Array): Promise<void>;
  remove(name: string): Promise<boolean>;
  /** Names, sorted. */
  list(): Promise<string[]>;
}

const SUFFIX = '.secret';

/** One `<NAME>.secret` file per secret under `dir`, written atomically with mode 0600. */
export class FileSecretStorage implements SecretStorage {
  constructor(private readonly dir: string) {}

  private path(name: string): string {
    return join(this.dir, `${validateName('secret', name)}${SUFFIX}`);
  }

  read(name: string): Promise<Buffer | undefined> {
    try {
      return Promise.resolve(readFileSync(this.path(name)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Promise.resolve(undefined);
      if (err instanceof LeptonError) return Promise.reject(err);
      return Promise.reject(new LeptonError('LEPTON_ERR_IO', `cannot read secret ${name}: ${(err as Error).message}`, { cause: err }));
    }
  }

  write(name: string, blob: Uint8Array): Promise<void> {
    const path = this.path(name);
    ensureDir(this.dir);
    writeFileAtomic(path, blob, 0o600);
    return Promise.resolve();
  }

  remove(name: string): Promise<boolean> {
    const path = this.path(name);
    if (!existsSync(path)) return Promise.resolve(false);
    try {
      rmSync(path);
    } catch (err) {
      return Promise.reject(new LeptonError('LEPTON_ERR_IO', `cannot remove secret ${name}: ${(err as Error).message}`, { cause: err }));
    }
    return Promise.resolve(true);
  }

  list(): Promise<string[]> {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Promise.resolve([]);
      return Promise.reject(new LeptonError('LEPTON_ERR_IO', `cannot list secrets in ${this.dir}: ${(err as Error).message}`, { cause: err }));
    }
    const out = names.filter((f) => f.endsWith(SUFFIX)).map((f) => f.slice(0, -SUFFIX.length)).filter((n) => isValidName('secret', n));
    return Promise.resolve(out.sort());
  }
}

/** In-memory SecretStorage for tests. */
export class MemorySecretStorage implements SecretStorage {
  readonly blobs = new Map<string, Buffer>();
  read(name: string): Promise<Buffer | undefined> { return Promise.resolve(this.blobs.get(validateName('secret', name))); }
  write(name: string, blob: Uint8Array): Promise<void> { this.blobs.set(validateName('secret', name), Buffer.from(blob)); return Promise.resolve(); }
  remove(name: string): Promise<boolean> { return Promise.resolve(this.blobs.delete(validateName('secret', name))); }
  list(): Promise<string[]> { return Promise.resolve([...this.blobs.keys()].sort()); }
}

export interface SecretVaultOptions {
  /** Encrypts new values; also decrypts. */
  key: MasterKey;
  /** Older master keys still accepted for reading (during a rotation). */
  previousKeys?: readonly MasterKey[];
  /** Largest value in bytes (default 64 KiB). */
  maxValueBytes?: number;
}

const context = (name: string): string => `secret:${name}`;

export class SecretVault {
  private readonly keys: MasterKey[];
  private readonly maxValueBytes: number;

  constructor(private readonly storage: SecretStorage, private readonly options: SecretVaultOptions) {
    this.keys = [options.key, ...(options.previousKeys ?? [])];
    this.maxValueBytes = options.maxValueBytes ?? 64 * 1024;
  }

  /** Store (or replace) a secret. Values must be non-empty; the message never includes them. */
  async set(name: string, value: string | Uint8Array): Promise<void> {
    validateName('secret', name);
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
    if (bytes.length === 0) throw invalidArgument(`secret ${name} is empty`);
    if (bytes.length > this.maxValueBytes) throw new LeptonError('LEPTON_ERR_PAYLOAD_TOO_LARGE', `secret ${name} is larger than ${this.maxValueBytes} bytes`);
    await this.storage.write(name, encryptEnvelope(bytes, this.options.key, { context: context(name) }));
  }

  /** Decrypt one secret. LEPTON_ERR_NOT_FOUND if absent; LEPTON_ERR_DECRYPT/_INTEGRITY if tampered. */
  async reveal(name: string): Promise<Buffer> {
    validateName('secret', name);
    const blob = await this.storage.read(name);
    if (blob === undefined) throw new LeptonError('LEPTON_ERR_NOT_FOUND', `no secret named ${name}`);
    try {
      return decryptEnvelope(blob, this.keys, { context: context(name) });
    } catch (err) {
      if (err instanceof LeptonError) throw new LeptonError(err.code, `secret ${name}: ${err.message}`, { cause: err });
      throw err;
    }
  }

  async has(name: string): Promise<boolean> {
    return (await this.storage.read(validateName('secret', name))) !== undefined;
  }

  /** Names only, never values. */
  list(): Promise<string[]> {
    return this.storage.list();
  }

  async remove(name: string): Promise<void> {
    if (!(await this.storage.remove(validateName('secret', name)))) throw new LeptonError('LEPTON_ERR_NOT_FOUND', `no secret named ${name}`);
  }

  /**
   * The environment a deployment's replicas get for `--secret` names: NAME → UTF-8 value.
   * Refuses values that cannot be an environment variable (NUL bytes, invalid UTF-8).
   */
  async resolveEnv(names: readonly string[]): Promise<Record<string, string>> {
    const env: Record<string, string> = {};
    for (const name of names) {
      const bytes = await this.reveal(name);
      const text = bytes.toString('utf8');
      if (text.includes('\0') || !Buffer.from(text, 'utf8').equals(bytes)) {
        throw invalidArgument(`secret ${name} is not valid UTF-8 text without NUL, so it cannot be an environment variable`);
      }
      env[name] = text;
    }
    return env;
  }

  /** Rewrap every secret under `newKey` (data untouched). Returns how many were rewrapped. */
  async rotate(newKey: MasterKey): Promise<number> {
    let n = 0;
    for (const name of await this.storage.list()) {
      const blob = await this.storage.read(name);
      if (blob === undefined || envelopeKeyId(blob) === newKey.id) continue;
      await this.storage.write(name, rewrapEnvelope(blob, this.keys, newKey));
      n++;
    }
    return n;
  }

  /** Never print values: a vault logs as its key id only. */
  toJSON(): { keyId: string } {
    return { keyId: this.options.key.id };
  }

  [inspect.custom](): string {
    return `SecretVault { keyId: ${this.options.key.id} }`;
  }
}
