import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../../src/k8s/index.js';

const seen: http.IncomingHttpHeaders[] = [];
const server = http.createServer((req, res) => {
  seen.push(req.headers);
  res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"x"}}');
});
let client: KubeClient;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new KubeClient({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, namespace: 'default', token: 'agent-token' });
});
afterAll(() => {
  client.close();
  server.close();
});

describe('an impersonating client', () => {
  it('sends Impersonate-User with the parent\'s credentials, and the parent keeps acting as itself', async () => {
    const ref = { group: '', version: 'v1', resource: 'configmaps', namespace: 'shop', name: 'x' };
    const as = client.impersonating('system:serviceaccount:shop:deployer');
    await as.get(ref);
    await client.get(ref);
    await as.impersonating('system:serviceaccount:shop:other').get(ref);
    expect(seen.map((h) => [h['authorization'], h['impersonate-user']])).toEqual([
      ['Bearer agent-token', 'system:serviceaccount:shop:deployer'],
      ['Bearer agent-token', undefined],
      ['Bearer agent-token', 'system:serviceaccount:shop:other'],
    ]);
    as.close();
    await client.get(ref); // the shared connection survives closing the impersonating client
    expect(seen).toHaveLength(4);
  });
});
