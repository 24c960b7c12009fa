// Builds the WebAssembly SIMD kernels from AssemblyScript at install time (offline, with the
// `assemblyscript` devDependency). Without it (a production install) this exits 0 and the tensor
// engine runs on its pure-TypeScript kernels.
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = 'src/tensor/wasm/assembly/index.ts';
if (!existsSync(root + entry)) process.exit(0);

let asc;
try {
  asc = (await import('assemblyscript/asc')).default;
} catch {
  console.log('lepton: assemblyscript is not installed (production install?); skipping the WebAssembly kernels, the JS kernels will be used.');
  process.exit(0);
}

// Both variants import one shared memory so worker threads can run GEMM halves on it. The relaxed
// variant uses fused multiply-add (relaxed SIMD); the loader picks it when the runtime accepts it.
const common = ['--runtime', 'stub', '-O3', '--noAssert', '--enable', 'simd', '--enable', 'threads',
  '--importMemory', '--sharedMemory', '--maximumMemory', '32768'];
const variants = [
  { out: 'build/lepton-kernels.wasm', extra: [] },
  { out: 'build/lepton-kernels-relaxed.wasm', extra: ['--enable', 'relaxed-simd'] },
];
mkdirSync(root + 'build', { recursive: true });
const started = Date.now();
for (const v of variants) {
  const tmp = `${v.out}.tmp`;
  const { error, stderr } = await asc.main([entry, '-o', tmp, ...common, ...v.extra], { baseDir: root });
  if (error) {
    console.error(`lepton: building ${v.out} failed: ${error.message}\n${stderr.toString()}`);
    console.error('lepton: the JS kernels will be used instead.');
    process.exit(0);
  }
  renameSync(root + tmp, root + v.out); // atomic: a half-written module is never loaded
}
const sizes = variants.map((v) => `${v.out} (${statSync(root + v.out).size} B)`).join(', ');
console.log(`lepton: built WebAssembly kernels in ${((Date.now() - started) / 1000).toFixed(1)} s: ${sizes}`);
