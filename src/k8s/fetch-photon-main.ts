/**
 * Main module of the init container of an exported replica pod (see fetch-photon.ts). An edge like
 * the CLI: it reads its environment, prints one JSON line and exits 0, or the reason on stderr and 1.
 */
import { LeptonError, toLeptonError } from '../core/errors.js';
import { fetchPhoton } from './fetch-photon.js';

function env(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === '') throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `${name} is not set`);
  return v;
}

try {
  const done = await fetchPhoton({
    controlPlane: env('LEPTON_CONTROL_PLANE'),
    ref: env('LEPTON_PHOTON'),
    sha256: env('LEPTON_PHOTON_SHA256'),
    token: env('LEPTON_FETCH_TOKEN'),
    home: env('LEPTON_HOME'),
  });
  process.stdout.write(`${JSON.stringify({ type: 'fetched', ...done })}\n`);
} catch (err) {
  const e = toLeptonError(err);
  process.stderr.write(`${e.code}: ${err instanceof Error ? err.message : e.message}\n`);
  process.exit(1);
}
