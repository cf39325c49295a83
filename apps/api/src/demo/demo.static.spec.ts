import { join } from 'node:path';
import { findDemoFiles } from './demo.static';

describe('findDemoFiles', () => {
  const existing = (...paths: string[]) => (path: string) => paths.includes(path);

  it('finds the page and the SDK bundle three folders above dist/apps/api/main.js', () => {
    const exists = existing('/srv/push/apps/api/demo/index.html', '/srv/push/libs/client/dist/browser/push-client.js');
    expect(findDemoFiles('/srv/push/dist/apps/api/main.js', '/elsewhere', exists)).toEqual({
      pageDir: join('/srv/push', 'apps', 'api', 'demo'),
      sdkDir: join('/srv/push', 'libs', 'client', 'dist', 'browser'),
    });
  });

  it('falls back to the working directory, and reports a missing bundle as null', () => {
    const exists = existing('/app/apps/api/demo/index.html');
    expect(findDemoFiles('/opt/bundle/main.js', '/app', exists)).toEqual({ pageDir: join('/app', 'apps', 'api', 'demo'), sdkDir: null });
  });

  it('is null when the page is nowhere', () => {
    expect(findDemoFiles('/srv/push/dist/apps/api/main.js', '/app', existing())).toBeNull();
  });
});
