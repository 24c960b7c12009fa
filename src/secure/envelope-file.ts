/**
 * Streaming envelope encryption of files (photon archives can be large): same container format as
 * encryptEnvelope. Output goes to a 0600 temp file and is renamed into place only once complete and,
 * for decryption, authenticated — so a tampered file is never visible half-decrypted.
 */
import { createReadStream } from 'node:fs';
import { open, rename, rm, mkdir, type FileHandle } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LeptonError } from '../core/index.js';
import {
  beginEnvelopeEncrypt, beginEnvelopeDecrypt, authFailed, ENVELOPE_HEADER_BYTES, type MasterKey, type EnvelopeOptions,
} from './envelope.js';

function ioError(what: string, err: unknown): LeptonError {
  if (err instanceof LeptonError) return err;
  return new LeptonError('LEPTON_ERR_IO', `${what}: ${(err as Error).message}`, { cause: err });
}

/** Write through a temp file beside `dst`, then fsync and rename; the temp file is removed on any failure. */
async function writeAtomically(dst: string, body: (fh: FileHandle) => Promise<void>): Promise<void> {
  const dir = dirname(dst);
  const tmp = join(dir, `.${basename(dst)}.${randomBytes(6).toString('hex')}.tmp`);
  let fh: FileHandle | undefined;
  try {
    await mkdir(dir, { recursive: true });
    fh = await open(tmp, 'wx', 0o600);
    await body(fh);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, dst);
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw ioError(`cannot write ${dst}`, err);
  }
}

/** Encrypt file `src` into container file `dst` (streamed; constant memory). */
export async function encryptFileEnvelope(src: string, dst: string, master: MasterKey, options: EnvelopeOptions = {}): Promise<void> {
  await writeAtomically(dst, async (fh) => {
    const { cipher, finish } = beginEnvelopeEncrypt(master, options);
    let pos = ENVELOPE_HEADER_BYTES; // the header needs the tag, so it is written last, at offset 0
    const put = async (chunk: Buffer): Promise<void> => {
      if (chunk.length === 0) return;
      await fh.write(chunk, 0, chunk.length, pos);
      pos += chunk.length;
    };
    try {
      for await (const chunk of createReadStream(src)) await put(cipher.update(chunk as Buffer));
    } catch (err) {
      throw ioError(`cannot read ${src}`, err);
    }
    await put(cipher.final());
    const header = finish();
    await fh.write(header, 0, header.length, 0);
  });
}

/**
 * Decrypt container file `src` into `dst` (streamed). `dst` appears only after the whole file is
 * authenticated; on tamper or truncation it is not created (LEPTON_ERR_DECRYPT / _INTEGRITY).
 */
export async function decryptFileEnvelope(src: string, dst: string, keys: MasterKey | readonly MasterKey[], options: EnvelopeOptions = {}): Promise<void> {
  const header = Buffer.alloc(ENVELOPE_HEADER_BYTES);
  let got = 0;
  try {
    const fh = await open(src, 'r');
    try {
      got = (await fh.read(header, 0, ENVELOPE_HEADER_BYTES, 0)).bytesRead;
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw ioError(`cannot read ${src}`, err);
  }
  const decipher = beginEnvelopeDecrypt(header.subarray(0, got), keys, options);
  await writeAtomically(dst, async (out) => {
    let pos = 0;
    const put = async (chunk: Buffer): Promise<void> => {
      if (chunk.length === 0) return;
      await out.write(chunk, 0, chunk.length, pos);
      pos += chunk.length;
    };
    try {
      for await (const chunk of createReadStream(src, { start: ENVELOPE_HEADER_BYTES })) await put(decipher.update(chunk as Buffer));
    } catch (err) {
      throw ioError(`cannot read ${src}`, err);
    }
    let last: Buffer;
    try {
      last = decipher.final();
    } catch {
      throw authFailed();
    }
    await put(last);
  });
}
