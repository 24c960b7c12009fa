/**
 * The table of `lep`'s top-level commands: name, aliases, one-line summary and how to load the
 * module that registers it. main.ts imports only the module of the command being run, so
 * `lep --version`, `lep --help` and light commands (`lep token list`) never load the engines,
 * fastify or the native bindings that other commands need (issue 12). The summaries repeat the
 * command files' descriptions for the top-level help; test/cli-lazy.test.ts checks they agree.
 */
import type { Command } from 'commander';

export interface CommandModule {
  register(program: Command): void;
}

export interface CommandEntry {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly summary: string;
  load(): Promise<CommandModule>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'train', summary: 'train a digit/fashion classifier and write model.onnx, model.safetensors and metrics.json', load: () => import('./commands/train.js') },
  { name: 'photon', summary: 'package models as photons, list, remove and serve them', load: () => import('./commands/photon.js') },
  { name: 'compress', summary: 'quantize, prune or distill an ONNX model and report size, accuracy and latency against the original', load: () => import('./commands/compress.js') },
  { name: 'optimize', summary: 'search model variants × serving settings on real local servers and recommend the cheapest that meets the targets', load: () => import('./commands/optimize.js') },
  { name: 'ml', summary: 'classic ML on CSV files: evaluate kNN, trees and k-means; compute metrics', load: () => import('./commands/ml.js') },
  { name: 'features', summary: 'compact image features (≤ 256 bytes: HOG → PCA or LDA → int8) and similarity search', load: () => import('./commands/features.js') },
  { name: 'up', summary: 'start the platform (control plane + gateway + API) and the default mnist deployment', load: () => import('./commands/up.js') },
  { name: 'job', summary: 'run training, compression and optimisation jobs on the platform (lep up)', load: () => import('./commands/job.js') },
  { name: 'pipeline', summary: 'train → compress → evaluate → gate → register → deploy, as one job on the platform', load: () => import('./commands/pipeline.js') },
  { name: 'deployment', aliases: ['deployments'], summary: 'create, inspect, update and remove deployments (talks to the REST API)', load: () => import('./commands/deployment.js') },
  { name: 'token', aliases: ['tokens'], summary: 'create, list and revoke API tokens (admin)', load: () => import('./commands/token.js') },
  { name: 'login', summary: 'save a token for later lep commands (0600 file under $LEPTON_HOME)', load: () => import('./commands/login.js') },
  { name: 'secret', aliases: ['secrets'], summary: 'manage secrets passed to deployments as env vars (admin)', load: () => import('./commands/secret.js') },
  { name: 'key', summary: 'master key management (admin)', load: () => import('./commands/key.js') },
  { name: 'fl', summary: 'federated learning: server, client and loopback simulation (FedAvg, FedProx, FedAdam; secure aggregation on by default)', load: () => import('./commands/fl.js') },
  { name: 'explain', summary: 'attribute a prediction to the input (saliency, integrated gradients, occlusion); writes attributions.json and heatmap.png', load: () => import('./commands/explain.js') },
];

/** The entry for a command name or alias as typed, if any. */
export function findCommand(word: string | undefined): CommandEntry | undefined {
  if (word === undefined) return undefined;
  return COMMANDS.find((c) => c.name === word || (c.aliases ?? []).includes(word));
}

/**
 * The command that `argv` (after `node lep`) runs: the first word that is not an option, or the
 * word after `help` (`lep help train`). lep's own options (-V, -h) take no value, so the first
 * non-option word is always the command.
 */
export function commandWord(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}
