/**
 * The browser bundle of @push/client (built by `npm run build:client`) is one ES module that a page can
 * import as is: no require(), no Node built-ins, no bare imports, and it exports the documented API.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@push/testing';

const BUNDLE = join(REPO_ROOT, 'libs', 'client', 'dist', 'browser', 'push-client.js');

describe('libs/client/dist/browser/push-client.js', () => {
  beforeAll(() => {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` (or npm run build:client) first`);
  });

  it('contains no Node-only import and no import of another module', () => {
    const code = readFileSync(BUNDLE, 'utf8');
    expect(code).not.toMatch(/\brequire\(/);
    expect(code).not.toMatch(/["']node:/);
    expect(code).not.toMatch(/^\s*import\s/m);
    expect(code).not.toMatch(/\bimport\(/);
  });

  it('loads as an ES module and exports the documented API', () => {
    const script = `import(${JSON.stringify(`file://${BUNDLE}`)}).then((m) => console.log(JSON.stringify(Object.keys(m).sort())))`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout) as string[]).toEqual(
      expect.arrayContaining(['PushClient', 'PushError', 'connect', 'createToken', 'memoryStorage', 'publish', 'isReadMarker']),
    );
    expect(JSON.parse(run.stdout)).not.toContain('fileStorage');
  });
});
