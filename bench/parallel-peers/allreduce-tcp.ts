/**
 * bench/parallel.ts: one rank of the tcp all-reduce timing, as its own process on loopback.
 * Usage: allreduce-tcp.ts RANK WORLD PORT SIZES_MB(comma) REPS (secret in LEPTON_DIST_SECRET); prints one JSON line.
 */
import { connectTcpGroup } from '../../src/parallel/index.js';
import { timeAllReduce } from './allreduce-lib.js';

const [rank, world, port] = process.argv.slice(2, 5).map(Number) as [number, number, number];
const sizes = process.argv[5]!.split(',').map(Number);
const reps = Number(process.argv[6]);
const pg = await connectTcpGroup({ rank, worldSize: world, masterAddr: '127.0.0.1', masterPort: port, secret: process.env['LEPTON_DIST_SECRET'] ?? '', signature: 'bench' });
const times = await timeAllReduce(pg, sizes, reps);
await pg.barrier();
await pg.close();
process.stdout.write(JSON.stringify(times) + '\n');
