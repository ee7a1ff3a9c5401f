import { describe, expect, it } from 'vitest';
import { containerEnv, expand, podField } from '../../../src/devcluster/node/env.js';
import type { Pod } from '../../../src/devcluster/node/types.js';

const pod: Pod = {
  metadata: { name: 'web-0', namespace: 'shop', uid: 'u1', labels: { app: 'web' } },
  spec: { nodeName: 'capstan-node-0', serviceAccountName: 'web', containers: [{ name: 'main', image: 'x', resources: { limits: { memory: '64Mi' } } }] },
  status: { podIP: '10.200.1.2' },
};

describe('container environment', () => {
  it('reads downward API fields', () => {
    expect(podField(pod, 'metadata.name')).toBe('web-0');
    expect(podField(pod, 'status.podIP')).toBe('10.200.1.2');
    expect(podField(pod, "metadata.labels['app']")).toBe('web');
    expect(() => podField(pod, 'spec.nope')).toThrow('unsupported downward API field "spec.nope"');
  });

  it('expands $(VAR) references, honours $$ escapes, and leaves unknown ones', () => {
    expect(expand('http://$(POD_IP):2379 $$(KEEP) $(MISSING)', { POD_IP: '10.0.0.1' })).toBe('http://10.0.0.1:2379 $(KEEP) $(MISSING)');
  });

  it('layers envFrom, then env, with keyed references', async () => {
    const container = {
      ...pod.spec.containers[0]!,
      envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'settings' } }],
      env: [
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'URL', value: 'http://$(IP):80' },
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
        { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } },
      ],
    };
    const data = async (kind: string, _ns: string, name: string): Promise<Record<string, string> | undefined> => (kind === 'ConfigMap' && name === 'settings' ? { mode: 'fast' } : kind === 'Secret' && name === 'creds' ? { password: 's3cret' } : undefined);
    const env = await containerEnv(pod, container, { BASE: '1' }, data);
    expect(env).toEqual({ BASE: '1', CFG_mode: 'fast', IP: '10.200.1.2', URL: 'http://10.200.1.2:80', PASSWORD: 's3cret', MEM: '64Mi' });
  });

  it('names the missing ConfigMap key', async () => {
    const container = { name: 'main', image: 'x', env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'settings', key: 'nope' } } }] };
    await expect(containerEnv(pod, container, {}, async () => ({}))).rejects.toThrow('key "nope" of ConfigMap "settings" does not exist in namespace shop');
  });
});
