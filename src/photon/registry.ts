/**
 * The content-addressed photon registry under `<home>/photons`: archives stored as
 * `objects/<sha256>.tgz`, an `index.json` of name → versions, atomic writes and a lock so
 * concurrent CLIs and crashes never leave the index pointing at a missing or partial object.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LeptonError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { sha256Hex, sha256HexAsync, unpackPhoton, type UnpackedPhoton, type ArchiveLimits } from './archive.js';
import { acquireDirLock } from './lock.js';
import { compareVersions, parseRef } from './manifest.js';
import { validatePhoton } from './validate.js';

/**
 * How archive objects are stored at rest (e.g. envelope encryption, wired in from the CLI/deploy
 * layer, since photon cannot import secure). The content address stays the plaintext's sha256.
 */
export interface ObjectCodec {
  /** Plaintext archive → stored bytes; `sha256` (the content address) binds the two. */
  encode(plain: Uint8Array, sha256: string): Uint8Array;
  /** Stored bytes → plaintext; throws a LeptonError (never partial output) when tampered or truncated. */
  decode(stored: Uint8Array, sha256: string): Uint8Array;
  /** True when bytes are in the encoded form (plaintext objects from before the codec are still read). */
  isEncoded(stored: Uint8Array): boolean;
}

export interface RegistryOptions {
  /** Lepton home (LeptonConfig.home); the registry lives in `<home>/photons`. */
  home: string;
  logger?: Logger;
  limits?: ArchiveLimits;
  /** Encrypt objects at rest. None = plaintext objects (encoded ones then fail to load with a clear error). */
  codec?: ObjectCodec;
  /** Longest wait for another process's index lock before LEPTON_ERR_CONFLICT. Default 35 s (outlives a stale lock). */
  lockWaitMs?: number;
}

export interface VersionEntry {
  version: string;
  sha256: string;
  bytes: number;
  created: string;
}

interface IndexFile {
  schema: 1;
  photons: Record<string, VersionEntry[]>;
}

export interface LoadedPhoton extends UnpackedPhoton {
  sha256: string;
  /** `name@version`. */
  ref: string;
}

const LOCK_STALE_MS = 30_000;

export class PhotonRegistry {
  readonly root: string;
  private readonly log: Logger;
  private readonly limits: ArchiveLimits;
  private readonly codec: ObjectCodec | undefined;
  private readonly lockWaitMs: number | undefined;

  constructor(options: RegistryOptions) {
    this.root = join(options.home, 'photons');
    this.log = options.logger ?? silentLogger;
    this.limits = options.limits ?? {};
    this.codec = options.codec;
    this.lockWaitMs = options.lockWaitMs;
  }

  private get indexPath(): string {
    return join(this.root, 'index.json');
  }

  objectPath(sha256: string): string {
    return join(this.root, 'objects', `${sha256}.tgz`);
  }

  private readIndex(): IndexFile {
    if (!existsSync(this.indexPath)) return { schema: 1, photons: {} };
    try {
      const parsed = JSON.parse(readFileSync(this.indexPath, 'utf8')) as IndexFile;
      if (parsed.schema === 1 && typeof parsed.photons === 'object' && parsed.photons !== null) return parsed;
      throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', `photon index ${this.indexPath} has an unknown schema`);
    } catch (err) {
      if (err instanceof LeptonError) throw err;
      throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', `photon index ${this.indexPath} is unreadable: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * Serialise index updates across processes with an exclusive lock directory (see lock.ts: async
   * waits with a deadline, LEPTON_ERR_IO at once when the lock cannot be made, stale locks broken).
   */
  private async withLock<T>(body: () => T | Promise<T>): Promise<T> {
    const release = await acquireDirLock(join(this.root, '.lock'), {
      staleMs: LOCK_STALE_MS,
      ...(this.lockWaitMs === undefined ? {} : { waitMs: this.lockWaitMs }),
    });
    try {
      return await body();
    } finally {
      // a lock that cannot be removed is broken as stale later; the body's outcome stands
      await release().catch((err: unknown) => this.log.warn({ err }, 'photon registry lock not released'));
    }
  }

  /**
   * Store a packed photon. The object is written before the index, so a crash leaves at worst an
   * unreferenced object. Adding the same name@version twice is a conflict unless the bytes are equal.
   * The archive is unpacked as a stream with size and ratio limits and its model validated
   * (validate.ts) before anything is written: a refusal is a 422, never a stored broken photon.
   */
  async add(archive: Uint8Array): Promise<VersionEntry & { name: string }> {
    const { manifest, files } = await unpackPhoton(archive, this.limits);
    // a model that does not parse or match its manifest would only crash-loop its replicas later
    validatePhoton(manifest, files);
    const sha = await sha256HexAsync(archive);
    return this.withLock(() => {
      const index = this.readIndex();
      const versions = index.photons[manifest.name] ?? [];
      const existing = versions.find((v) => v.version === manifest.version);
      if (existing && existing.sha256 !== sha) {
        throw new LeptonError('LEPTON_ERR_CONFLICT', `photon ${manifest.name}@${manifest.version} already exists with different content`);
      }
      if (!existsSync(this.objectPath(sha))) writeFileAtomic(this.objectPath(sha), this.codec ? this.codec.encode(archive, sha) : archive, 0o600);
      const entry: VersionEntry = existing ?? { version: manifest.version, sha256: sha, bytes: archive.length, created: manifest.created };
      if (!existing) {
        versions.push(entry);
        versions.sort((a, b) => compareVersions(a.version, b.version));
        index.photons[manifest.name] = versions;
        writeFileAtomic(this.indexPath, JSON.stringify(index, null, 2));
      }
      this.log.info({ photon: `${manifest.name}@${manifest.version}`, sha256: sha }, 'photon stored');
      return { name: manifest.name, ...entry };
    });
  }

  /** All photons, name → versions (oldest first). */
  list(): Array<{ name: string; versions: VersionEntry[] }> {
    const index = this.readIndex();
    return Object.keys(index.photons)
      .sort()
      .map((name) => ({ name, versions: index.photons[name] ?? [] }));
  }

  /** The next integer version for a name (1 for a new name). */
  nextVersion(name: string): string {
    const versions = this.readIndex().photons[name] ?? [];
    const top = versions.map((v) => parseInt(v.version, 10)).filter(Number.isFinite);
    return String(top.length === 0 ? 1 : Math.max(...top) + 1);
  }

  /** Resolve `name` (latest) or `name@version` to an index entry. */
  resolve(ref: string): VersionEntry & { name: string } {
    const { name, version } = parseRef(ref);
    const versions = this.readIndex().photons[name];
    if (!versions || versions.length === 0) throw new LeptonError('LEPTON_ERR_PHOTON_NOT_FOUND', `no photon named '${name}'; see 'lep photon list'`);
    const entry = version === undefined ? versions[versions.length - 1] : versions.find((v) => v.version === version);
    if (!entry) {
      throw new LeptonError('LEPTON_ERR_PHOTON_NOT_FOUND', `photon '${name}' has no version ${version}; versions: ${versions.map((v) => v.version).join(', ')}`);
    }
    return { name, ...entry };
  }

  /** Load and fully verify a photon: archive sha256 = object name, then every file's sha256. */
  async load(ref: string): Promise<LoadedPhoton> {
    const { entry, archive } = this.archive(ref);
    const unpacked = await unpackPhoton(archive, this.limits);
    if (unpacked.manifest.name !== entry.name || unpacked.manifest.version !== entry.version) {
      throw new LeptonError('LEPTON_ERR_INTEGRITY', `photon ${entry.name}@${entry.version}: archive holds ${unpacked.manifest.name}@${unpacked.manifest.version}`);
    }
    return { ...unpacked, sha256: entry.sha256, ref: `${entry.name}@${entry.version}` };
  }

  /** The plaintext archive of a photon (decrypted when stored encrypted), its sha256 checked against the index. */
  archive(ref: string): { entry: VersionEntry & { name: string }; archive: Uint8Array } {
    const entry = this.resolve(ref);
    let archive: Uint8Array;
    try {
      archive = readFileSync(this.objectPath(entry.sha256));
    } catch (err) {
      throw new LeptonError('LEPTON_ERR_INTEGRITY', `photon ${entry.name}@${entry.version}: archive object is missing`, { cause: err });
    }
    if (this.codec?.isEncoded(archive) === true) {
      try {
        archive = this.codec.decode(archive, entry.sha256);
      } catch (err) {
        const code = err instanceof LeptonError ? err.code : 'LEPTON_ERR_INTEGRITY';
        throw new LeptonError(code, `photon ${entry.name}@${entry.version}: encrypted archive refused (${(err as Error).message}); it is tampered, truncated or under another master key`, { cause: err });
      }
    }
    if (sha256Hex(archive) !== entry.sha256) {
      const hint = this.codec ? '' : ' or encrypted (set LEPTON_MASTER_KEY or keep $LEPTON_HOME/master.key)';
      throw new LeptonError('LEPTON_ERR_INTEGRITY', `photon ${entry.name}@${entry.version}: archive sha256 mismatch (tampered or truncated${hint}); re-create it`);
    }
    return { entry, archive };
  }

  /**
   * Rewrite stored objects in place under the lock: `transform` gets each object's stored bytes and
   * returns new bytes, or undefined to keep them (key rotation rewraps; `seal` encrypts plaintext).
   */
  async recode(transform: (stored: Uint8Array, sha256: string) => Uint8Array | undefined): Promise<number> {
    return this.withLock(() => {
      const shas = new Set(Object.values(this.readIndex().photons).flatMap((vs) => vs.map((v) => v.sha256)));
      let n = 0;
      for (const sha of shas) {
        const path = this.objectPath(sha);
        if (!existsSync(path)) continue;
        const next = transform(readFileSync(path), sha);
        if (next === undefined) continue;
        writeFileAtomic(path, next, 0o600);
        n++;
      }
      return n;
    });
  }

  /** Encode every plaintext object with the codec (objects stored before encryption was configured). */
  async seal(): Promise<number> {
    const codec = this.codec;
    if (!codec) return 0;
    return this.recode((stored, sha) => {
      if (codec.isEncoded(stored)) return undefined;
      if (sha256Hex(stored) !== sha) throw new LeptonError('LEPTON_ERR_INTEGRITY', `photon object ${sha.slice(0, 12)} does not match its address; not encrypting it`);
      return codec.encode(stored, sha);
    });
  }

  /** Remove one version, or every version when no version is given. Unreferenced objects are deleted. */
  async remove(ref: string): Promise<VersionEntry[]> {
    const { name, version } = parseRef(ref);
    return this.withLock(() => {
      const index = this.readIndex();
      const versions = index.photons[name];
      if (!versions) throw new LeptonError('LEPTON_ERR_PHOTON_NOT_FOUND', `no photon named '${name}'`);
      const removed = version === undefined ? versions : versions.filter((v) => v.version === version);
      if (removed.length === 0) throw new LeptonError('LEPTON_ERR_PHOTON_NOT_FOUND', `photon '${name}' has no version ${version}`);
      const kept = versions.filter((v) => !removed.includes(v));
      if (kept.length === 0) delete index.photons[name];
      else index.photons[name] = kept;
      writeFileAtomic(this.indexPath, JSON.stringify(index, null, 2));
      const stillUsed = new Set(Object.values(index.photons).flatMap((vs) => vs.map((v) => v.sha256)));
      for (const r of removed) {
        if (stillUsed.has(r.sha256)) continue;
        rmSync(this.objectPath(r.sha256), { force: true });
        rmSync(join(this.root, 'unpacked', r.sha256), { recursive: true, force: true });
      }
      this.log.info({ photon: name, versions: removed.map((r) => r.version) }, 'photon removed');
      return removed;
    });
  }
}
