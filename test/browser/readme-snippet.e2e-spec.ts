/**
 * The README's "Subscribe from a web page" lines, taken verbatim from README.md, as a web developer
 * would try them: a blank page holding only the HTML block, served from a temp dir on another origin
 * than the api, receives a notification that the README's curl line publishes.
 */
import { deletePrefix, REPO_ROOT, uniquePrefix, waitFor } from '@push/testing';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { Cluster, describeWithChromium, echoPageErrors, launchChromium, serveDirectory, startCluster } from './browser.support';

jest.setTimeout(60_000);

/** The api address the README's lines use (what `npm start` listens on). */
const README_API = 'http://127.0.0.1:5001';

/** The fenced blocks of one language in the README's section `## <heading>`. */
function readmeBlocks(heading: string, lang: string): string[] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start === -1) throw new Error(`README.md has no section "## ${heading}"`);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
}

describeWithChromium('README: subscribe from a web page', () => {
  const prefix = uniquePrefix('browser-readme');
  let cluster: Cluster;
  let browser: Browser;
  let site: { url: string; close: () => Promise<void> } | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'push-readme-'));

  beforeAll(async () => {
    cluster = await startCluster(prefix);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await cluster?.stop();
    await deletePrefix(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a blank page with only the README lines receives a notification published with the README curl line', async () => {
    const [html] = readmeBlocks('Subscribe from a web page', 'html');
    const [curl] = readmeBlocks('Subscribe from a web page', 'sh');
    expect(html).toContain(README_API);
    expect(curl).toMatch(/^curl /);
    writeFileSync(join(dir, 'index.html'), html.split(README_API).join(cluster.api.url));
    site = await serveDirectory(dir);
    expect(site.url).not.toBe(cluster.api.url); // another origin: CORS and the module import are exercised

    const page = await (await browser.newContext()).newPage();
    const errors = echoPageErrors(page, 'readme page');
    const logged: string[] = [];
    page.on('console', (msg) => logged.push(msg.text()));
    let helloSeen = false;
    page.on('websocket', (ws) =>
      ws.on('framereceived', ({ payload }) => {
        if (typeof payload === 'string' && payload.includes('"type":"hello"')) helloSeen = true;
      }),
    );
    await page.goto(`${site.url}/`);
    const pushUrl = await waitFor(
      () => logged.map((line) => /^push URL: (\S+)$/.exec(line)?.[1]).find((url) => url !== undefined),
      15_000,
      `the page to log its push URL (page errors: ${errors.join('; ')})`,
    );
    expect(pushUrl).toMatch(new RegExp(`^${cluster.api.url}/queue/[\\w-]+/$`));
    // a developer reads the URL off the console before running curl; here: until the gateway's hello
    // (a publish before the first connection is in the history, but not delivered live to a new token)
    await waitFor(() => helloSeen, 15_000, "the gateway's hello on the page's WebSocket");

    const { stdout } = await promisify(execFile)('bash', ['-c', curl], { env: { PATH: process.env.PATH ?? '', PUSH_URL: pushUrl } });
    expect(JSON.parse(stdout)).toMatchObject({ body: { title: 'Hello', body: 'from curl' } });
    await page.getByText('Hello: from curl').waitFor({ timeout: 15_000 });
    expect(errors).toEqual([]);
  });
});
