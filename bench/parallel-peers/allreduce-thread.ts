/** bench/parallel.ts: one rank of the threads-transport all-reduce timing (a worker thread). */
import { runThreadRank } from '../../src/parallel/index.js';
import { timeAllReduce } from './allreduce-lib.js';

runThreadRank((pg, d: { sizesMb: number[]; reps: number }) => timeAllReduce(pg, d.sizesMb, d.reps));
