/** What every wasm kernel needs: the module's exports, its memory arena, the thread pool and tuning knobs. */
import { type Arena } from './arena.js';
import { type TaskPool } from './task-pool.js';
import { type KernelExports } from './wasm-api.js';

export interface WasmContext {
  ex: KernelExports;
  arena: Arena;
  pool: TaskPool;
  /** 1 or 2. */
  threads: number;
  parallelMinFlops: number;
  convChunkBytes: number;
  /** Use Winograd for eligible 3x3 convolutions. */
  winograd: boolean;
  MR: number;
  NR: number;
}
