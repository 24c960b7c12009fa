// Builds the WebAssembly SIMD kernels from AssemblyScript at install time (offline, from the registry's compiler).
import { existsSync } from 'node:fs';
const src = new URL('../src/tensor/wasm/assembly/index.ts', import.meta.url);
if (!existsSync(src)) process.exit(0);
