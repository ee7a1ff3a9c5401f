import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { hmacSha256, WebhookReceiver } from '../../../src/agent/index.js';
import { AgentMetrics } from '../../../src/agent/metrics.js';
import { jsonLogger } from '../../../src/controller/index.js';

const token = 'receiver-token-123';
let receiver: WebhookReceiver;
let port: number;
let triggered: string[];
let metrics: AgentMetrics;

beforeEach(async () => {
  triggered = [];
  metrics = new AgentMetrics(new Registry());
  receiver = new WebhookReceiver({
    metrics,
    logger: jsonLogger('silent'),
    maxBodyBytes: 1024,
    trigger: (ns, name) => triggered.push(`${ns}/${name}`),
    lookup: async (ns, name) => (ns === 'shop' && name === 'app' ? { token, branch: 'main' } : ns === 'shop' && name === 'nohook' ? { token: undefined, branch: 'main' } : undefined),
  });
  port = await receiver.listen(0, '127.0.0.1');
});
afterEach(() => receiver.close());

const post = (path: string, body: string, headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', body, headers });
const signed = (body: string) => ({ 'X-Capstan-Signature': `sha256=${hmacSha256(token, body)}` });
const rejections = async () => (await metrics.webhookRejections.get()).values.reduce((s, v) => s + v.value, 0);

describe('webhook receiver', () => {
  it('triggers the Sync on a signed push to its branch', async () => {
    const body = '{"ref":"refs/heads/main"}';
    expect((await post('/hooks/shop/app', body, signed(body))).status).toBe(202);
    expect(triggered).toEqual(['shop/app']);
  });

  it('acknowledges and ignores a push to another branch', async () => {
    const body = '{"ref":"refs/heads/feature"}';
    const res = await post('/hooks/shop/app', body, signed(body));
    expect(res.status).toBe(202);
    expect(await res.text()).toContain('ignored');
    expect(triggered).toEqual([]);
  });

  it('answers 401 to a bad or missing signature, counts it and triggers nothing', async () => {
    const body = '{"ref":"refs/heads/main"}';
    expect((await post('/hooks/shop/app', body, { 'X-Capstan-Signature': `sha256=${hmacSha256('nope', body)}` })).status).toBe(401);
    expect((await post('/hooks/shop/app', body)).status).toBe(401);
    expect((await post('/hooks/shop/nohook', body, signed(body))).status).toBe(401);
    expect(triggered).toEqual([]);
    expect(await rejections()).toBe(3);
  });

  it('refuses bodies over the limit with 413, and unknown paths and Syncs with 404', async () => {
    const big = 'x'.repeat(2048);
    expect((await post('/hooks/shop/app', big, signed(big))).status).toBe(413);
    expect((await post('/hooks/shop/missing', '{}', signed('{}'))).status).toBe(404);
    expect((await post('/elsewhere', '{}')).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/hooks/shop/app`)).status).toBe(405);
    expect(triggered).toEqual([]);
  });
});
