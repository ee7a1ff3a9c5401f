import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { AgentInstall } from '../../../src/constructs/index.js';

const synth = (props: ConstructorParameters<typeof AgentInstall>[2] = {}) => {
  const chart = new Chart(new App(), 'agent');
  new AgentInstall(chart, 'agent', props);
  return chart.toJson() as { kind: string; metadata: { name: string; namespace?: string }; spec?: any; rules?: any[] }[];
};

describe('AgentInstall', () => {
  it('holds the namespace, CRD, RBAC, Deployment, Service and the first Sync', () => {
    const objects = synth({ namespace: 'gitops', sync: { name: 'apps', spec: { url: 'https://example.com/apps.git' } } });
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ClusterRole/capstan:agent:gitops', 'ClusterRole/capstan:agent:gitops:apply',
      'ClusterRoleBinding/capstan:agent:gitops', 'ClusterRoleBinding/capstan:agent:gitops:apply',
      'CustomResourceDefinition/syncs.capstan.dev', 'Deployment/capstan-agent', 'Namespace/gitops',
      'Role/capstan-agent', 'RoleBinding/capstan-agent', 'Service/capstan-agent', 'ServiceAccount/capstan-agent', 'Sync/apps',
    ]);
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    const container = deployment.spec.template.spec.containers[0];
    expect(container.args).toEqual(['agent']);
    expect(container.env).toEqual(expect.arrayContaining([{ name: 'CAPSTAN_LEADER_ELECTION', value: 'true' }]));
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(objects.find((o) => o.kind === 'Service')!.spec.ports.map((p: { port: number }) => p.port)).toEqual([9292, 8080]);
    const own = objects.find((o) => o.metadata.name === 'capstan:agent:gitops')!;
    expect(own.rules!.flatMap((r) => r.resources)).toEqual(['syncs', 'syncs/status', 'secrets', 'namespaces', 'events', 'serviceaccounts']);
    expect(own.rules!.at(-1)).toEqual({ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] });
    expect(objects.find((o) => o.metadata.name === 'capstan:agent:gitops:apply')!.rules).toEqual([{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]);
  });

  it('with watchNamespace, reconciles only that namespace, and refuses an empty one', () => {
    const container = synth({ namespace: 'gitops', watchNamespace: 'team-a' }).find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0];
    expect(container.env).toContainEqual({ name: 'CAPSTAN_WATCH_NAMESPACE', value: 'team-a' });
    expect(synth({ namespace: 'gitops' }).find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name)).not.toContain('CAPSTAN_WATCH_NAMESPACE');
    expect(() => synth({ watchNamespace: ' ' })).toThrow(/watchNamespace.*must not be empty/);
  });

  it('with leastPrivilege, gives the agent no right to write what repositories hold, only to read it and impersonate', () => {
    const objects = synth({ namespace: 'gitops', leastPrivilege: true });
    expect(objects.filter((o) => o.metadata.name.endsWith(':apply'))).toEqual([]);
    const rules = objects.filter((o) => o.kind === 'ClusterRole').flatMap((o) => o.rules!);
    const writes = rules.filter((r) => r.verbs.some((v: string) => !['get', 'list', 'watch'].includes(v)));
    expect(writes.map((r) => `${r.resources.join(',')}:${r.verbs.join(',')}`)).toEqual(['syncs:get,list,watch,patch', 'syncs/status:get,patch,update', 'events:create,patch', 'serviceaccounts:impersonate']);
    expect(rules).toContainEqual({ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch'] });
  });

  it('refuses a first Sync whose spec breaks the schema, naming the field', () => {
    expect(() => synth({ sync: { name: 'apps', spec: { url: 'ftp://nope' } } })).toThrow(/sync\.spec: spec\.url/);
  });
});
