// Builds @push/client: ESM (with the declarations) and CommonJS with tsc, then one browser ES module with rspack.
// Files are overwritten in place (no clean), since another build may be reading dist/browser meanwhile.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');

for (const config of ['tsconfig.esm.json', 'tsconfig.cjs.json']) {
  const run = spawnSync(process.execPath, [tsc, '-p', join(here, config)], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
// the package has no "type", so each build says what its .js files are
writeFileSync(join(here, 'dist/esm/package.json'), '{"type":"module"}\n');
writeFileSync(join(here, 'dist/cjs/package.json'), '{"type":"commonjs"}\n');


const { rspack } = require('@rspack/core');
const outDir = join(here, 'dist/browser');
mkdirSync(outDir, { recursive: true });
const stats = await new Promise((resolve, reject) => {
  rspack(
    {
      mode: 'production',
      context: here,
      // the web entry, as tsc compiled it: rspack only joins the modules into one
      entry: join(here, 'dist/esm/index.js'),
      target: ['web', 'es2022'],
      devtool: 'source-map',
      output: { path: outDir, filename: 'push-client.js', module: true, library: { type: 'module' }, clean: false },
      optimization: { minimize: false },
      resolve: { extensionAlias: { '.js': ['.js'] } },
    },
    (err, result) => (err ? reject(err) : resolve(result)),
  );
});
if (stats.hasErrors()) {
  console.error(stats.toString({ colors: false, all: false, errors: true }));
  process.exit(1);
}
const bundle = readFileSync(join(outDir, 'push-client.js'), 'utf8');
// the browser bundle must stand alone: no require() and no node: imports
if (/\brequire\(|from\s*["']node:|import\(["']node:/.test(bundle)) {
  console.error('libs/client/dist/browser/push-client.js contains a Node-only import');
  process.exit(1);
}
writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
console.log(`@push/client built: dist/{esm,cjs,types}, dist/browser/push-client.js (${bundle.length} bytes)`);
