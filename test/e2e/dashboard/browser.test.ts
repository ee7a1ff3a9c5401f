import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, useNamespace } from '../harness.js';
import { syncRef, type SyncObject } from '../agent/helpers.js';
import { SECRET_VALUE, startDashboard, startFixture, type RunningDashboard } from './helpers.js';

const shots = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/dashboard');
const ns = useNamespace('dash-ui');
let fixture: Awaited<ReturnType<typeof startFixture>>;
let dash: RunningDashboard;
let browser: Browser;
let page: Page;
const getSync = () => ns.client.get<SyncObject & { spec: { revision?: string }; status?: { lastHandledReconcileAt?: string } }>(syncRef(ns.name, 'app'));

/** Debian's chromium, which `.ci/run` installs. */
function chromiumPath(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('the browser tests need Debian\'s chromium on PATH: apt-get install -y chromium (.ci/run installs it)');
  }
}

beforeAll(async () => {
  fixture = await startFixture(ns.client, ns.name);
  await eventually('the first revision to be applied', async () => (await getSync())?.status?.lastAppliedRevision === fixture.first, 60_000);
  dash = await startDashboard();
  // Root has no user namespaces for Chromium's sandbox; the page is our own, on loopback.
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
  mkdirSync(shots, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await dash?.stop();
  await fixture?.stop();
});

describe('the dashboard in Chromium', () => {
  const row = () => page.getByRole('row').filter({ has: page.getByRole('link', { name: `${ns.name}/app` }) });

  it('opens the Syncs page from the printed URL, drops the token from the address bar, and shows the Sync', async () => {
    await page.goto(dash.url);
    await expect.poll(() => row().textContent(), { timeout: 15_000 }).toContain(fixture.first.slice(0, 12));
    expect(page.url()).not.toContain(dash.token);
    const text = (await row().textContent())!;
    expect(text).toContain('first revision');
    expect(text).toContain('Ready');
    expect(await page.locator('#live').textContent()).toContain('live');
  });

  it('shows a push change the revision live, without reloading', async () => {
    await page.evaluate('window.marker = 42');
    const second = await fixture.push(2);
    await ns.client.patch(syncRef(ns.name, 'app'), 'merge', { metadata: { annotations: { 'capstan.dev/reconcile-requested-at': new Date().toISOString() } } });
    await expect.poll(() => row().textContent(), { timeout: 60_000 }).toMatch(new RegExp(`${second.slice(0, 12)} revision 2`));
    expect(await page.evaluate('window.marker')).toBe(42); // the same page, updated in place
    await page.screenshot({ path: path.join(shots, 'syncs.png') });
  });

  it('opens the Sync\'s tree, and a click on the crashing pod shows why it is unhealthy', async () => {
    await page.getByRole('link', { name: `${ns.name}/app` }).click();
    await page.getByRole('heading', { name: `Sync ${ns.name}/app` }).waitFor();
    const crashing = page.locator('a.node.h-Failed', { hasText: 'broken-' }).filter({ hasText: 'Pod' });
    await crashing.first().waitFor({ timeout: 90_000 });
    // 4 applied objects, 2 ReplicaSets, 2 pods.
    expect(await page.getByRole('treeitem').count()).toBe(8);
    await page.screenshot({ path: path.join(shots, 'sync.png'), fullPage: true });
    // Keyboard: the tree is one Tab stop, and the arrow keys walk it.
    expect(await page.locator('a.node[tabindex="0"]').count()).toBe(1);
    await page.getByRole('treeitem').first().focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate('document.activeElement.textContent')).toMatch(/^ReplicaSet/);
    await page.keyboard.press('ArrowLeft');
    expect(await page.evaluate('document.activeElement.textContent')).toMatch(/^Deployment/);
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate('document.activeElement.getAttribute("role")')).toBe('treeitem');
    expect(await page.locator('a.node[tabindex="0"]').count()).toBe(1);
    await crashing.first().click();
    await page.getByRole('heading', { name: /^Pod / }).waitFor();
    await expect.poll(() => page.locator('#health-message').textContent(), { timeout: 15_000 }).toMatch(/CrashLoopBackOff/);
    expect(await page.locator('.health-line').textContent()).toContain('Failed');
    await page.getByRole('button', { name: 'Show logs' }).click();
    await page.getByLabel('previous instance').check();
    await page.getByRole('button', { name: 'Show logs' }).click();
    await expect.poll(() => page.locator('pre.logs').textContent(), { timeout: 30_000 }).toContain('about to fail');
    await page.screenshot({ path: path.join(shots, 'object.png'), fullPage: true });
  });

  it('shows a Secret masked', async () => {
    await page.goto(`${dash.origin}/#/object/v1/Secret/${ns.name}/db`);
    await page.getByRole('heading', { name: `Secret ${ns.name}/db` }).waitFor();
    const content = await page.content();
    expect(content).toContain('***');
    expect(content).not.toContain(SECRET_VALUE);
    expect(content).not.toContain(Buffer.from(SECRET_VALUE).toString('base64'));
  });

  it('triggers a reconcile from the Sync page, and the agent handles it', async () => {
    await page.goto(`${dash.origin}/#/sync/${encodeURIComponent(ns.name)}/app`);
    const before = (await getSync())?.status?.lastHandledReconcileAt;
    await page.getByRole('button', { name: `Reconcile now Sync ${ns.name}/app` }).click();
    await expect.poll(() => page.locator('#toast').textContent(), { timeout: 10_000 }).toContain('asked the agent to reconcile');
    await eventually('the agent to handle the reconcile the page asked for', async () => {
      const handled = (await getSync())?.status?.lastHandledReconcileAt;
      return handled !== undefined && handled !== before;
    }, 30_000);
  });

  it('rolls back to a history entry after a confirmation, then unpins', async () => {
    const rollback = page.getByRole('button', { name: `Roll back to ${fixture.first.slice(0, 12)}` });
    let asked = '';
    page.once('dialog', (d) => { asked = d.message(); void d.dismiss(); });
    await rollback.click();
    await expect.poll(() => asked).toContain('Later pushes wait until it is unpinned');
    expect((await getSync())?.spec.revision).toBeUndefined(); // dismissed: nothing changed
    page.once('dialog', (d) => void d.accept());
    await rollback.click();
    await eventually('the pin and its reconcile', async () => {
      const s = await getSync();
      return s?.spec.revision === fixture.first && s.status?.lastAppliedRevision === fixture.first;
    }, 30_000);
    await expect.poll(() => page.locator('#applied-revision').textContent(), { timeout: 10_000 }).toContain(`pinned to ${fixture.first.slice(0, 12)}`);
    await page.getByRole('button', { name: `Unpin Sync ${ns.name}/app` }).click();
    await eventually('the pin to be cleared', async () => (await getSync())?.spec.revision === undefined, 10_000);
    await page.getByRole('button', { name: `Unpin Sync ${ns.name}/app` }).waitFor({ state: 'detached', timeout: 10_000 });
  });
});
