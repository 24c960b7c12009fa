/**
 * The wire contract between the federated server and its clients (all under /fl/v1, every call
 * with `Authorization: Bearer <token>` holding scope fl:<task>):
 *
 *   GET  /task                      → TaskInfo (arch, vector length, secure on/off)
 *   POST /join      {client}        → register as available
 *   GET  /poll?client=              → Poll: wait | done | the round and phase this client is in
 *   GET  /phase?client=&round=      → PhaseData for the current phase
 *   GET  /weights?round=            → LFL1 bundle, array "global" (f32)
 *   POST /keys      {client, round, cPub, sPub, numExamples}        (secure, phase advertise)
 *   POST /shares    {client, round, shares: {recipient: ciphertext}} (secure, phase share)
 *   POST /update    LFL1 bundle: meta {client, round, numExamples}, array "delta" (f32, plain)
 *                   or "masked" (u32, secure)                        (phase train)
 *   POST /reveal    {client, round, shares: RevealedShare[]}         (secure, phase unmask)
 */
import type { ModelArch } from '../nn/index.js';
import type { AdvertisedKeys } from './secagg.js';

export const FL_PREFIX = '/fl/v1';

export type Phase = 'advertise' | 'share' | 'train' | 'unmask';

export interface TaskInfo {
  task: string;
  arch: ModelArch;
  vectorLength: number;
  secure: boolean;
}

export type Poll = { state: 'wait' } | { state: 'done' } | { state: 'round'; round: string; phase: Phase };

export interface LocalConfig {
  epochs: number;
  batchSize: number;
  lr: number;
  proxMu: number;
  /** DP clip norm the client applies before masking (secure mode), absent without DP. */
  dpClip?: number;
}

export interface PhaseData {
  round: string;
  phase: Phase;
  config: LocalConfig;
  /** share: U1 and the threshold. */
  u1?: AdvertisedKeys[];
  threshold?: number;
  /** train (secure): U2 with example counts, and the ciphertexts addressed to this client. */
  u2?: Array<AdvertisedKeys & { numExamples: number }>;
  inbox?: Record<string, string>;
  /** unmask: the clients whose masked update arrived. */
  survivors?: string[];
}
