import { describe, expect, it } from 'vitest';
import { SecretWatch } from '../../../src/agent/secret-watch.js';
import { jsonLogger } from '../../../src/controller/index.js';
import { ApiError, type KubeClient, type KubeObject } from '../../../src/k8s/index.js';
import { FakeListWatch } from '../controller/fake-listwatch.js';

const secret = (password: string, rv: string): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { namespace: 'shop', name: 'git', resourceVersion: rv }, data: { password: Buffer.from(password).toString('base64') } });
const password = (s: KubeObject | undefined) => Buffer.from(((s?.['data'] ?? {}) as Record<string, string>)['password'] ?? '', 'base64').toString();
const until = async (what: () => boolean) => {
  for (let i = 0; i < 200 && !what(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(what()).toBe(true);
};

/** A client whose only request is the fallback GET, counted. */
function gettingClient(answer: KubeObject): { client: KubeClient; gets: () => number } {
  let gets = 0;
  const client = { get: async () => { gets++; return answer; } } as unknown as KubeClient;
  return { client, gets: () => gets };
}

describe('SecretWatch', () => {
  it('reads a retained Secret from its watch once synced, and sees it change without a GET', async () => {
    const { client, gets } = gettingClient(secret('from-get', '1'));
    const lw = new FakeListWatch([secret('first', '5')], '5');
    const watch = new SecretWatch(client, jsonLogger('silent'), () => lw);
    watch.retain('shop/app', ['shop/git']);
    await until(() => lw.watches.length === 1);
    expect(password(await watch.get('shop', 'git'))).toBe('first');
    lw.lastWatch.send({ type: 'MODIFIED', object: secret('rotated', '6') });
    expect(password(await watch.get('shop', 'git'))).toBe('rotated');
    expect(gets()).toBe(0);
    await watch.stop();
  });

  it('reads with a GET a Secret no Sync retains, and one the agent may not list', async () => {
    const { client, gets } = gettingClient(secret('from-get', '1'));
    const lw = new FakeListWatch([], '1');
    lw.listError = new ApiError('GET', '/api/v1/namespaces/shop/secrets', 403, undefined, 'forbidden');
    const watch = new SecretWatch(client, jsonLogger('silent'), () => lw);
    expect(password(await watch.get('shop', 'git'))).toBe('from-get');
    watch.retain('shop/app', ['shop/git']);
    await until(() => lw.listCalls >= 1);
    expect(password(await watch.get('shop', 'git'))).toBe('from-get');
    expect(gets()).toBe(2);
    // Refused once, not listed again: an informer would retry every few seconds for ever.
    await new Promise((r) => setTimeout(r, 600));
    expect(lw.listCalls).toBe(1);
    await watch.stop();
  });

  it('stops a watch once no Sync names its Secret', async () => {
    const { client } = gettingClient(secret('from-get', '1'));
    const lw = new FakeListWatch([secret('first', '5')], '5');
    const watch = new SecretWatch(client, jsonLogger('silent'), () => lw);
    watch.retain('shop/a', ['shop/git']);
    watch.retain('shop/b', ['shop/git']);
    await until(() => lw.watches.length === 1);
    watch.retain('shop/a', []);
    expect(lw.lastWatch.stopped).toBe(false);
    watch.retain('shop/b', []);
    await until(() => lw.lastWatch.stopped);
    await watch.stop();
  });
});
