/**
 * Typed configuration with documented defaults. Only edges (CLI, composition roots) read the
 * environment, through `configFromEnv`; everything below receives a LeptonConfig.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface LeptonConfig {
  /** Root of all state: photons, the store, cached models, keys. Default `~/.lepton`. */
  home: string;
  /** Log level for pino. Default `info`. */
  logLevel: string;
}

export const DEFAULT_CONFIG: LeptonConfig = {
  home: join(homedir(), '.lepton'),
  logLevel: 'info',
};

/** Read `LEPTON_HOME` and `LEPTON_LOG_LEVEL`; anything missing falls back to the defaults. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): LeptonConfig {
  return {
    home: env['LEPTON_HOME'] && env['LEPTON_HOME'].length > 0 ? env['LEPTON_HOME'] : DEFAULT_CONFIG.home,
    logLevel: env['LEPTON_LOG_LEVEL'] ?? DEFAULT_CONFIG.logLevel,
  };
}
