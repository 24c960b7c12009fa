/** Times all-reduces of given sizes on a process group: one warm-up, then the median of `reps` runs (seconds). */
import { type ProcessGroup } from '../../src/parallel/index.js';

export async function timeAllReduce(pg: ProcessGroup, sizesMb: number[], reps: number): Promise<Array<{ mb: number; seconds: number }>> {
  const out: Array<{ mb: number; seconds: number }> = [];
  for (const mb of sizesMb) {
    const v = new Float32Array((mb * 2 ** 20) / 4).fill(pg.rank + 1);
    await pg.allReduce(v, 'mean');
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      await pg.barrier();
      const t0 = performance.now();
      await pg.allReduce(v, 'mean');
      times.push((performance.now() - t0) / 1000);
    }
    times.sort((a, b) => a - b);
    out.push({ mb, seconds: times[Math.floor(times.length / 2)]! });
  }
  return out;
}
