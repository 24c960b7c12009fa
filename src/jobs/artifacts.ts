/**
 * A job's artifacts: the files under its `artifacts/` folder, listed with sizes and served by
 * relative path. Paths from a request are checked segment by segment, so none leaves the folder.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { LeptonError, invalidArgument } from '../core/errors.js';

export interface Artifact {
  path: string;
  bytes: number;
}

export function listArtifacts(root: string): Artifact[] {
  const out: Artifact[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && !name.startsWith('.')) out.push({ path: relative(root, p).split(sep).join('/'), bytes: st.size });
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}

/** The absolute path of artifact `path` (e.g. `train/model.onnx`); 400 for a bad path, 404 when absent. */
export function artifactPath(root: string, path: string): string {
  const parts = path.split('/');
  if (parts.length > 8 || !parts.every((p) => /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(p))) throw invalidArgument(`'${path}' is not an artifact path`, { field: 'path' });
  const abs = join(root, ...parts);
  if (!existsSync(abs) || !statSync(abs).isFile()) throw new LeptonError('LEPTON_ERR_NOT_FOUND', `the job has no artifact '${path}'`);
  return abs;
}

/** `file` at the top of the artifacts, else in a pipeline's compress/ or train/ folder (the last model made). */
export function findArtifact(root: string, file: string): string | undefined {
  return [join(root, file), join(root, 'compress', file), join(root, 'train', file)].find((p) => existsSync(p));
}
