/**
 * A simulation worker thread: loads the dataset, computes the same seeded partition as every
 * other worker, and runs its share of the clients as real HTTP clients of the server, several at a
 * time (they interleave while waiting on the network). Posts byte counts when the task is done.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadDataset, subset } from '../data/index.js';
import { FlClient } from './client.js';
import { partition, type PartitionSpec } from './partition.js';

export interface SimWorkerData {
  url: string;
  token: string;
  dataset: string;
  limitTrain?: number;
  partition: PartitionSpec;
  clients: number;
  ids: number[];
  seed: number;
}

export interface SimWorkerResult {
  bytesSent: number;
  bytesReceived: number;
  rounds: number;
  error?: string;
}

const d = workerData as SimWorkerData;
try {
  const { train } = loadDataset(d.dataset, d.limitTrain !== undefined ? { limitTrain: d.limitTrain } : {});
  const parts = partition(train.y, train.numClasses, d.clients, d.partition, d.seed);
  const results = await Promise.all(
    d.ids.map((i) => new FlClient({ server: d.url, token: d.token, clientId: `sim-${i}`, data: subset(train, parts[i]!), seed: d.seed + i }).run()),
  );
  const sum: SimWorkerResult = { bytesSent: 0, bytesReceived: 0, rounds: 0 };
  for (const r of results) {
    sum.bytesSent += r.bytesSent;
    sum.bytesReceived += r.bytesReceived;
    sum.rounds += r.rounds;
  }
  parentPort!.postMessage(sum);
} catch (err) {
  parentPort!.postMessage({ bytesSent: 0, bytesReceived: 0, rounds: 0, error: (err as Error).message } satisfies SimWorkerResult);
}
