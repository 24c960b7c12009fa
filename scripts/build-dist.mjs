// Builds dist/ (JavaScript plus .d.ts, what `exports` and bin/lep.js use) from src/ with
// `tsc -b tsconfig.build.json`: incremental, about a second when nothing changed. Run by `prepare`
// (npm install / npm ci / npm pack) and `npm run build`. A production install from the repository
// (`npm ci --omit=dev`, no TypeScript) or a copy without src/ skips it with a message, as
// build-wasm.mjs does; everywhere else a compile error fails the install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
if (!existsSync(`${root}src/index.ts`) || !existsSync(`${root}tsconfig.build.json`)) process.exit(0);
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  console.log('lepton: typescript is not installed (production install?); skipping the dist/ build.');
  process.exit(0);
}
const r = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
