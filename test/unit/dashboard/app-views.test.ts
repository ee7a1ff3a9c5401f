import { describe, expect, it } from 'vitest';
import { appTables } from '../../../src/dashboard/app-views.js';

describe('appTables', () => {
  it('EtcdCluster: cluster version, members with id, leader, learner, health and version, and the backup', () => {
    const tables = appTables({
      apiVersion: 'etcd.capstan.dev/v1alpha1', kind: 'EtcdCluster', metadata: { name: 's' },
      status: {
        phase: 'Running', clusterID: 'c1', currentVersion: '3.6.16', readyMembers: 2,
        members: [
          { name: 's-0', id: '8e9e05c52164694d', peerURL: 'http://s-0:2380', version: '3.6.16', leader: true, learner: false, healthy: true },
          { name: 's-1', id: '91bc3c398fb3c146', peerURL: 'http://s-1:2380', version: '3.6.16', leader: false, learner: true, healthy: false },
        ],
        lastSnapshot: { revision: '42', size: 100, sha256: 'x', version: '3.6.16', forVersion: '3.7.3', time: 't', path: '/p' },
      },
    }, {
      backups: [
        { apiVersion: 'etcd.capstan.dev/v1alpha1', kind: 'EtcdBackup', metadata: { name: 'b1' }, spec: { clusterName: 's' }, status: { phase: 'Completed', file: 'b1.db', revision: '40', keys: 7, size: 2048, etcdVersion: '3.6.16', completionTime: 'c' } },
        { apiVersion: 'etcd.capstan.dev/v1alpha1', kind: 'EtcdBackup', metadata: { name: 'other' }, spec: { clusterName: 'else' }, status: {} },
      ],
    });
    expect(tables.map((t) => t.title)).toEqual(['Cluster', 'Members', 'Backups (EtcdBackup)', 'Snapshot before the last upgrade step']);
    expect(tables[0]!.rows[0]).toEqual(['Running', 'c1', '3.6.16', '', '2']);
    expect(tables[1]!.rows).toEqual([
      ['s-0', '8e9e05c52164694d', 'yes', 'no', 'yes', '3.6.16', 'http://s-0:2380'],
      ['s-1', '91bc3c398fb3c146', 'no', 'yes', 'no', '3.6.16', 'http://s-1:2380'],
    ]);
    expect(tables[2]!.rows).toEqual([['b1', 'Completed', 'b1.db', '40', '7', '2048', '3.6.16', 'c']]);
    expect(tables[3]!.rows).toEqual([['t', '42', '100', '3.6.16', '3.7.3', '/p']]);
  });

  it('KafkaCluster: brokers, the quorum with its leader and lag, and the topics of this cluster', () => {
    const tables = appTables({
      apiVersion: 'kafka.capstan.dev/v1alpha1', kind: 'KafkaCluster', metadata: { name: 'events' },
      status: { readyBrokers: 3, underReplicatedPartitions: 1, brokers: [{ id: 0, pod: 'events-0', roles: 'broker,controller', ready: true }], quorum: { leader: 0, voters: [0, 1], lag: { 1: 5 } } },
    }, {
      topics: [
        { apiVersion: 'kafka.capstan.dev/v1alpha1', kind: 'KafkaTopic', metadata: { name: 'orders' }, spec: { cluster: 'events' }, status: { partitions: 6, replicationFactor: 3, underReplicatedPartitions: 1, inSync: false } },
        { apiVersion: 'kafka.capstan.dev/v1alpha1', kind: 'KafkaTopic', metadata: { name: 'other' }, spec: { cluster: 'else' }, status: {} },
      ],
    });
    expect(tables.map((t) => t.title)).toEqual(['Cluster', 'Brokers', 'Controller quorum', 'Topics']);
    expect(tables[1]!.rows).toEqual([['0', 'events-0', 'broker,controller', 'yes', '']]);
    expect(tables[2]!.rows).toEqual([['0', 'yes', ''], ['1', 'no', '5']]);
    expect(tables[3]!.rows).toEqual([['orders', '6', '3', '1', 'no']]);
  });

  it('other kinds get no app tables', () => {
    expect(appTables({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } })).toEqual([]);
  });
});
