// Shared setup for the federated end-to-end tests: a token store with an fl:<task> token, a small
// mnist-small split per client, a server on 127.0.0.1 and in-process HTTP clients.
import { loadMnistSmall, subset, type ImageDataset } from '../src/data/index.js';
import { FlClient, type FlClientOptions } from '../src/federated/client.js';
import { resolveArch } from '../src/federated/model.js';
import { partition } from '../src/federated/partition.js';
import { FlServer, type FlServerOptions } from '../src/federated/server.js';
import { makeStrategy } from '../src/federated/strategy.js';
import { MemoryTokenStore, issueToken } from '../src/secure/index.js';

export async function tokens(task: string) {
  const store = new MemoryTokenStore();
  const good = (await issueToken(store, { name: 'fl-client', scopes: [`fl:${task}`] })).token;
  const other = (await issueToken(store, { name: 'other-task', scopes: ['fl:elsewhere'] })).token;
  return { store, good, other };
}

/** `clients` disjoint IID slices of 150 mnist-small train samples each, and 400 test samples. */
export function data(clients: number): { parts: ImageDataset[]; test: ImageDataset } {
  const { train, test } = loadMnistSmall();
  const small = subset(train, Array.from({ length: clients * 150 }, (_, i) => i));
  const parts = partition(small.y, 10, clients, { kind: 'iid' }, 1).map((idx) => subset(small, idx));
  return { parts, test: subset(test, Array.from({ length: 400 }, (_, i) => i)) };
}

export async function startServer(task: string, store: MemoryTokenStore, extra: Partial<FlServerOptions> = {}) {
  const { test } = data(1);
  const server = new FlServer({
    task,
    arch: resolveArch('mlp'),
    rounds: 2,
    clientsPerRound: 3,
    minClients: 2,
    strategy: makeStrategy('fedavg'),
    tokens: store,
    local: { epochs: 1, batchSize: 20, lr: 0.1 },
    deadlineMs: 4000,
    test,
    ...extra,
  });
  const url = await server.listen();
  return { server, url };
}

export function client(url: string, token: string, id: string, ds: ImageDataset, extra: Partial<FlClientOptions> = {}): FlClient {
  return new FlClient({ server: url, token, clientId: id, data: ds, pollMs: 20, ...extra });
}
