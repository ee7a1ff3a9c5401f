import { describe, expect, it } from 'vitest';
import { KafkaClusterType } from '../../../../apps/kafka/cluster-type.js';
import { desiredNodes, initialControllers, quorumBootstrap, type KafkaClusterSpec } from '../../../../apps/kafka/layout.js';
import { advertisedListeners, nodeProperties, replicationDefaults } from '../../../../apps/kafka/node-config.js';
import { nodeConfigHash, nodePod } from '../../../../apps/kafka/pod.js';
import { specProblems } from '../../../../apps/kafka/spec-problems.js';

/** A spec as the operator reads it: the schema's defaults filled in. */
function spec(fields: Record<string, unknown> = {}): KafkaClusterSpec {
  return KafkaClusterType.view({ apiVersion: 'kafka.capstan.dev/v1alpha1', kind: 'KafkaCluster', metadata: { name: 'events', namespace: 'prod' }, spec: fields }).spec;
}

describe('KafkaCluster layout', () => {
  it('makes the first brokers the controllers in combined mode', () => {
    expect(desiredNodes('events', spec({ brokers: 4 }))).toEqual([
      { id: 0, roles: ['broker', 'controller'], pod: 'events-broker-0' },
      { id: 1, roles: ['broker', 'controller'], pod: 'events-broker-1' },
      { id: 2, roles: ['broker', 'controller'], pod: 'events-broker-2' },
      { id: 3, roles: ['broker'], pod: 'events-broker-3' },
    ]);
  });

  it('gives dedicated controllers ids of their own', () => {
    const nodes = desiredNodes('events', spec({ brokers: 2, controllers: { count: 3, mode: 'dedicated' } }));
    expect(nodes.map((n) => `${n.id}:${n.roles.join('+')}:${n.pod}`)).toEqual([
      '0:broker:events-broker-0', '1:broker:events-broker-1',
      '100:controller:events-controller-100', '101:controller:events-controller-101', '102:controller:events-controller-102',
    ]);
  });

  it('names the controllers by their stable DNS names for the quorum and the initial voter set', () => {
    const nodes = desiredNodes('events', spec({ brokers: 3, controllers: { count: 1 } }));
    expect(quorumBootstrap('events', 'prod', nodes)).toBe('events-broker-0.events-kafka-nodes.prod.svc.cluster.local:9093');
    expect(initialControllers('events', 'prod', nodes, { 0: 'dirA' })).toBe('0@events-broker-0.events-kafka-nodes.prod.svc.cluster.local:9093:dirA');
    expect(() => initialControllers('events', 'prod', nodes, {})).toThrow('controller 0 has no directory id');
  });

  it('writes the operator\'s keys over the user\'s config and the replication defaults', () => {
    const s = spec({ brokers: 4, config: { 'num.partitions': '6', 'min.insync.replicas': '1' } });
    const [first, , , fourth] = desiredNodes('events', s);
    const props = nodeProperties('events', 'prod', s, first!, desiredNodes('events', s));
    expect(props).toMatchObject({
      'process.roles': 'broker,controller', 'node.id': '0', 'num.partitions': '6', 'min.insync.replicas': '1', 'default.replication.factor': '3',
      'listeners': 'PLAINTEXT://0.0.0.0:9092,INTERNAL://0.0.0.0:9091,CONTROLLER://0.0.0.0:9093', 'inter.broker.listener.name': 'INTERNAL',
      'controller.quorum.auto.join.enable': 'true',
    });
    const broker = nodeProperties('events', 'prod', s, fourth!, desiredNodes('events', s));
    expect(broker['process.roles']).toBe('broker');
    expect(broker['listeners']).toBe('PLAINTEXT://0.0.0.0:9092,INTERNAL://0.0.0.0:9091');
    expect(broker['controller.quorum.auto.join.enable']).toBeUndefined();
    expect(advertisedListeners(s, fourth!, 'h')).toBe('PLAINTEXT://$(POD_IP):9092,INTERNAL://$(POD_IP):9091');
  });

  it.each([
    [1, { 'default.replication.factor': '1', 'min.insync.replicas': '1' }],
    [2, { 'default.replication.factor': '2', 'min.insync.replicas': '1' }],
    [3, { 'default.replication.factor': '3', 'min.insync.replicas': '2' }],
    [7, { 'default.replication.factor': '3', 'min.insync.replicas': '2' }],
  ])('fits the replication defaults to %i brokers', (brokers, expected) => {
    expect(replicationDefaults(brokers)).toMatchObject(expected);
  });

  it('changes the config hash with what a restart picks up, and not with how the volume is formatted', () => {
    const s = spec({ brokers: 3 });
    const nodes = desiredNodes('events', s);
    const input = { cluster: 'events', namespace: 'prod', spec: s, node: nodes[0]!, nodes, clusterId: 'c', formatArgs: ['--initial-controllers', 'x'] };
    const hash = nodeConfigHash(input);
    expect(nodeConfigHash({ ...input, formatArgs: ['--no-initial-controllers'] })).toBe(hash);
    expect(nodeConfigHash({ ...input, spec: spec({ brokers: 3, config: { 'log.retention.ms': '1' } }) })).not.toBe(hash);
    expect(nodeConfigHash({ ...input, spec: spec({ brokers: 3, version: '4.3.1' }) })).not.toBe(hash);
    const pod = nodePod(input) as unknown as { spec: { initContainers: { command: string[] }[]; containers: { image: string; command: string[] }[] } };
    expect(pod.spec.initContainers[0]!.command).toEqual(['kafka-storage.sh', 'format', '--ignore-formatted', '--cluster-id', 'c', '--config', '/etc/kafka/capstan/server.properties', '--initial-controllers', 'x']);
    expect(pod.spec.containers[0]!.image).toBe('apache/kafka:4.4.0');
  });
});

describe('KafkaCluster spec checks', () => {
  it('accepts the defaults', () => {
    expect(specProblems(spec())).toEqual([]);
  });

  it.each([
    ['too few brokers for combined controllers', { brokers: 2 }, 'spec.brokers', 'cannot hold 3 combined controllers'],
    ['an owned config key', { config: { 'log.dirs': '/x' } }, 'spec.config["log.dirs"]', 'owned by the operator'],
    ['a replication factor above the brokers', { config: { 'default.replication.factor': '4' } }, 'spec.config["default.replication.factor"]', 'from 1 to the broker count (3)'],
    ['a reserved listener name', { listeners: [{ name: 'CONTROLLER', port: 9500 }] }, 'spec.listeners[0].name', 'the operator\'s own'],
    ['a reserved port', { listeners: [{ name: 'CLIENT', port: 9091 }] }, 'spec.listeners[0].port', 'taken by the operator'],
    ['a port used twice', { listeners: [{ name: 'A', port: 9092 }, { name: 'B', port: 9092 }] }, 'spec.listeners[1].port', 'used twice'],
  ])('refuses %s', (_what, fields, field, message) => {
    const problems = specProblems(spec(fields));
    expect(problems.map((p) => p.field)).toEqual([field]);
    expect(problems[0]!.message).toContain(message);
  });

  it('puts a CEL rule per owned key into the CRD, so the API server refuses them', () => {
    const config = (KafkaClusterType.crd.spec as { versions: { schema: { openAPIV3Schema: { properties: { spec: { properties: { config: { 'x-kubernetes-validations': { rule: string; message: string }[] } } } } } } }[] }).versions[0]!.schema.openAPIV3Schema.properties.spec.properties.config;
    const rules = config['x-kubernetes-validations'];
    expect(rules).toContainEqual({ rule: "!('node.id' in self)", message: expect.stringContaining('config key "node.id" is owned by the operator') });
    expect(rules.length).toBeGreaterThanOrEqual(10);
  });
});
