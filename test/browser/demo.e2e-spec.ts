/**
 * The demo web app (/demo/) in chromium against a real api, two gateway nodes and a monitor: two
 * browser contexts sharing one token act as two devices of one person. A notification published with
 * a plain HTTP POST shows on both; reading it on one marks it read on the other; killing (SIGKILL) the
 * gateway a page is connected to makes it reconnect to the other node and show what was published
 * meanwhile, once each. Leaves a screenshot in test-artifacts/demo.png.
 */
import { deletePrefix, uniquePrefix, waitFor } from '@push/testing';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  ARTIFACTS_DIR,
  Cluster,
  describeWithChromium,
  echoPageErrors,
  launchChromium,
  nodesOf,
  publishForm,
  SocketLog,
  startCluster,
} from './browser.support';

jest.setTimeout(60_000);

const SPY_ON_NOTIFICATIONS = `
  window.__shownNotifications = [];
  window.Notification = class extends window.Notification {
    constructor(title, options) {
      super(title, options);
      window.__shownNotifications.push(title);
    }
  };
`;

/** Titles of the system notifications a page has shown. */
const shownNotifications = (page: Page): Promise<string[]> => page.evaluate('window.__shownNotifications');

describeWithChromium('demo web app in chromium (api + 2 gateways + monitor)', () => {
  const prefix = uniquePrefix('browser-demo');
  let cluster: Cluster;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let pageA: Page;
  let pageB: Page;
  let socketsA: SocketLog;
  let socketsB: SocketLog;
  let pushUrl: string;

  /** A device: its own context (storage, sockets), on the demo page. */
  async function openDevice(name: string): Promise<{ page: Page; sockets: SocketLog }> {
    const context = await browser.newContext({ viewport: { width: 900, height: 1000 } });
    contexts.push(context);
    await context.grantPermissions(['notifications'], { origin: cluster.api.url });
    // records the system notifications the page shows (headless chromium displays none)
    await context.addInitScript(SPY_ON_NOTIFICATIONS);
    const page = await context.newPage();
    afterErrors.push(echoPageErrors(page, name));
    const sockets = new SocketLog(page);
    // without the trailing slash: the api redirects, so the page's relative imports resolve
    await page.goto(`${cluster.api.url}/demo`);
    expect(new URL(page.url()).pathname).toBe('/demo/');
    await untilConnected(page);
    return { page, sockets };
  }
  const afterErrors: string[][] = [];

  async function untilConnected(page: Page): Promise<void> {
    await page.locator('#connection[data-state="connected"]').waitFor({ timeout: 15_000 });
  }

  /** The list item of a notification, found by its title as a user would. */
  const item = (page: Page, title: string) => page.locator('#notifications li', { hasText: title });

  /** How often each of `titles` is listed on the page. */
  async function countTitles(page: Page, titles: string[]): Promise<number[]> {
    const listed = await page.locator('#notifications li .title').allTextContents();
    return titles.map((t) => listed.filter((l) => l === t).length);
  }

  beforeAll(async () => {
    cluster = await startCluster(prefix);
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await cluster?.stop();
    await deletePrefix(prefix);
    const errors = afterErrors.flat();
    if (errors.length > 0) console.warn(`page errors:\n${errors.join('\n')}`);
  });

  it('gets a token, shows the connection state and creates a push URL for a site', async () => {
    ({ page: pageA, sockets: socketsA } = await openDevice('device A'));
    await expect(pageA.locator('#connection').textContent()).resolves.toMatch(/^Connected \(gateway node \w+\)$/);
    await pageA.getByLabel('Site name (domain)').fill('news.example');
    await pageA.getByRole('button', { name: 'Create push URL' }).click();
    const row = pageA.locator('#push-urls li', { hasText: 'news.example' });
    pushUrl = (await row.locator('code').textContent({ timeout: 10_000 })) ?? '';
    expect(pushUrl).toMatch(new RegExp(`^${cluster.api.url}/queue/[\\w-]+/$`));
    // the token survives a reload (localStorage), and so does the push URL list
    const code = await pageA.getByLabel('Pairing code of this device').inputValue();
    await pageA.reload();
    await untilConnected(pageA);
    await expect(pageA.getByLabel('Pairing code of this device').inputValue()).resolves.toBe(code);
    await expect(pageA.locator('#push-urls code').first().textContent()).resolves.toBe(pushUrl);
    await expect(pageA.locator('#enable-system + #system-status').textContent()).resolves.toBe('System notifications are on.');
  });

  it('a second device joins with the pairing code; a plain HTTP publish shows on both', async () => {
    const device = await openDevice('device B');
    pageB = device.page;
    socketsB = device.sockets;
    const code = await pageA.getByLabel('Pairing code of this device').inputValue();
    await pageB.getByText('Use this inbox on another device').click();
    await pageB.getByLabel('Pairing code from another device').fill(code);
    await Promise.all([pageB.waitForEvent('load'), pageB.getByRole('button', { name: 'Use this code' }).click()]);
    await untilConnected(pageB);
    await expect(pageB.locator('#queue-url').textContent()).resolves.toBe(await pageA.locator('#queue-url').textContent());
    // B lists the push URL that A created
    await pageB.locator('#push-urls li', { hasText: 'news.example' }).waitFor();

    await publishForm(pushUrl, { title: 'Build #41 failed', body: 'test/api.e2e-spec.ts: 1 failure' });
    await publishForm(pushUrl, { title: 'New comment on your post', body: 'Ada: looks good to me!', actionUrl: `${cluster.api.url}/healthz` });
    for (const page of [pageA, pageB]) {
      await item(page, 'New comment on your post').waitFor({ timeout: 10_000 });
      await item(page, 'Build #41 failed').waitFor({ timeout: 10_000 });
      await expect(item(page, 'New comment on your post').getAttribute('data-read')).resolves.toBe('false');
      // newest first
      await expect(page.locator('#notifications li .title').first().textContent()).resolves.toBe('New comment on your post');
      await expect(page.locator('#unread-count').textContent()).resolves.toBe('(2 unread)');
      // live messages also go to the Notification API, since the permission is granted
      await expect(shownNotifications(page)).resolves.toEqual(['Build #41 failed', 'New comment on your post']);
    }
  });

  it('clicking a notification on one device opens its link and marks it read on both', async () => {
    const [popup] = await Promise.all([
      pageA.context().waitForEvent('page'),
      item(pageA, 'New comment on your post').getByRole('link').click(),
    ]);
    await popup.waitForLoadState();
    expect(popup.url()).toBe(`${cluster.api.url}/healthz`);
    await popup.close();
    await expect(item(pageA, 'New comment on your post').getAttribute('data-read')).resolves.toBe('true');
    await waitFor(async () => (await item(pageB, 'New comment on your post').getAttribute('data-read')) === 'true', 10_000, 'read on device B');

    // the keyboard works too: B reads the other one with Tab focus + Enter, and A follows
    await item(pageB, 'Build #41 failed').getByRole('button').focus();
    await pageB.keyboard.press('Enter');
    await waitFor(async () => (await item(pageA, 'Build #41 failed').getAttribute('data-read')) === 'true', 10_000, 'read on device A');
    for (const page of [pageA, pageB]) await expect(page.locator('#unread-count').textContent()).resolves.toBe('(0 unread)');
  });

  it('a page whose gateway is killed reconnects to the other node and shows what was published meanwhile, once each', async () => {
    const portA = socketsA.openPort();
    expect(portA).not.toBeNull();
    const victim = cluster.gateways.find((g) => g.port === portA);
    const survivor = cluster.gateways.find((g) => g.port !== portA);
    if (!victim || !survivor) throw new Error(`page A is on port ${String(portA)}, not on one of the gateways`);
    const bWasOnVictim = socketsB.openPort() === victim.port;

    victim.signal('SIGKILL');
    await victim.waitExit();
    // published while A has no connection (and before the monitor has reaped the dead node)
    const titles = ['Deploy started', 'Deploy finished', 'Your order shipped'];
    for (const title of titles) await publishForm(pushUrl, { title, body: 'sent while a gateway was down' });

    await waitFor(() => socketsA.openPort() === survivor.port, 20_000, 'page A connected to the surviving gateway');
    await untilConnected(pageA);
    for (const page of [pageA, pageB]) {
      await waitFor(async () => (await countTitles(page, titles)).every((n) => n >= 1), 20_000, 'every message on the page');
    }
    // the monitor reaps the dead node; meanwhile nothing may arrive twice
    await waitFor(async () => (await nodesOf(cluster.api)).length === 1, 10_000, 'the dead node leaves /nodes/');
    await publishForm(pushUrl, { title: 'After the failover', body: 'live again' });
    for (const page of [pageA, pageB]) {
      await item(page, 'After the failover').waitFor({ timeout: 10_000 });
      await expect(countTitles(page, [...titles, 'After the failover'])).resolves.toEqual([1, 1, 1, 1]);
      const keys = await page.locator('#notifications li').evaluateAll((els) => els.map((el) => el.getAttribute('data-key')));
      expect(new Set(keys).size).toBe(keys.length);
    }
    if (bWasOnVictim) expect(socketsB.openPort()).toBe(survivor.port);
  });

  it('the send form publishes through the push URL; a reload shows the history once; screenshot', async () => {
    await pageA.getByLabel('Title').fill('Weekly report is ready');
    await pageA.getByLabel('Body', { exact: true }).fill('12 new sign-ups, 3 open issues');
    await pageA.getByLabel('Link (actionUrl)').fill('https://example.com/reports/48');
    await pageA.getByRole('button', { name: 'Send test notification' }).click();
    await pageA.locator('#send-status', { hasText: 'Sent' }).waitFor({ timeout: 10_000 });
    for (const page of [pageA, pageB]) await item(page, 'Weekly report is ready').waitFor({ timeout: 10_000 });
    await item(pageA, 'Deploy finished').getByRole('button').click();
    await waitFor(async () => (await item(pageB, 'Deploy finished').getAttribute('data-read')) === 'true', 10_000, 'read on device B');

    // a reload shows the history once, read state included, then continues live without a gap
    await pageB.reload();
    await untilConnected(pageB);
    const all = ['Weekly report is ready', 'After the failover', 'Your order shipped', 'Deploy finished', 'Deploy started', 'New comment on your post', 'Build #41 failed'];
    await expect(countTitles(pageB, all)).resolves.toEqual(all.map(() => 1));
    await expect(item(pageB, 'Deploy finished').getAttribute('data-read')).resolves.toBe('true');
    await expect(pageB.locator('#unread-count').textContent()).resolves.toBe('(4 unread)');
    await publishForm(pushUrl, { title: 'After the reload' });
    await item(pageB, 'After the reload').waitFor({ timeout: 10_000 });
    expect(await pageB.locator('#notifications li').count()).toBe(all.length + 1);

    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    await pageA.mouse.move(0, 0); // no hover highlight in the picture
    await pageA.screenshot({ path: join(ARTIFACTS_DIR, 'demo.png'), fullPage: true });
    // a killed gateway makes chromium log the refused WebSocket; nothing else may fail
    expect(afterErrors.flat().filter((e) => !/WebSocket connection to 'ws:/.test(e))).toEqual([]);
  });
});
