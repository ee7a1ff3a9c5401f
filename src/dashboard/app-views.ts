import type { KubeObject } from '../k8s/index.js';
import type { TableView } from './api-types.js';

type Obj = Record<string, unknown>;
const yes = (b: unknown): string => (b === true ? 'yes' : b === false ? 'no' : '');
const text = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/** The tables of an operated app read from its status: EtcdCluster, EtcdBackup, KafkaCluster (with its topics); none for other kinds. */
export function appTables(obj: KubeObject, related: { topics?: KubeObject[]; backups?: KubeObject[] } = {}): TableView[] {
  const group = (obj.apiVersion ?? '').split('/')[0];
  const status = (obj['status'] ?? {}) as Obj;
  if (group === 'etcd.capstan.dev' && obj.kind === 'EtcdCluster') return etcdTables(obj, status, related.backups ?? []);
  if (group === 'kafka.capstan.dev' && obj.kind === 'KafkaCluster') return kafkaTables(obj, status, related.topics ?? []);
  return [];
}

function etcdTables(obj: KubeObject, status: Obj, backups: KubeObject[]): TableView[] {
  const members = (Array.isArray(status['members']) ? status['members'] : []) as Obj[];
  const snapshot = status['lastSnapshot'] as Obj | undefined;
  const mine = backups.filter((b) => ((b['spec'] ?? {}) as Obj)['clusterName'] === obj.metadata.name);
  return [
    {
      title: 'Cluster',
      columns: ['Phase', 'Cluster ID', 'Cluster version', 'Target version', 'Ready members'],
      rows: [[text(status['phase']), text(status['clusterID']), text(status['currentVersion']), text(status['targetVersion']), text(status['readyMembers'])]],
    },
    {
      title: 'Members',
      columns: ['Name', 'ID', 'Leader', 'Learner', 'Healthy', 'Version', 'Peer URL'],
      rows: members.map((m) => [text(m['name']), text(m['id']), yes(m['leader']), yes(m['learner']), yes(m['healthy']), text(m['version']), text(m['peerURL'])]),
    },
    {
      title: 'Backups (EtcdBackup)',
      columns: ['Backup', 'Phase', 'File', 'Revision', 'Keys', 'Size', 'etcd version', 'Completed'],
      rows: mine.map((b) => {
        const s = (b['status'] ?? {}) as Obj;
        return [text(b.metadata.name), text(s['phase']), text(s['file']), text(s['revision']), text(s['keys']), text(s['size']), text(s['etcdVersion']), text(s['completionTime'])];
      }),
    },
    {
      title: 'Snapshot before the last upgrade step',
      columns: ['Time', 'Revision', 'Size', 'Version', 'Before upgrade to', 'Path'],
      rows: snapshot ? [[text(snapshot['time']), text(snapshot['revision']), text(snapshot['size']), text(snapshot['version']), text(snapshot['forVersion']), text(snapshot['path'])]] : [],
    },
  ];
}

function kafkaTables(obj: KubeObject, status: Obj, topics: KubeObject[]): TableView[] {
  const brokers = (Array.isArray(status['brokers']) ? status['brokers'] : []) as Obj[];
  const quorum = (status['quorum'] ?? {}) as Obj;
  const lag = (quorum['lag'] ?? {}) as Record<string, number>;
  const voters = (Array.isArray(quorum['voters']) ? quorum['voters'] : []) as number[];
  const name = obj.metadata.name;
  return [
    {
      title: 'Cluster',
      columns: ['Cluster ID', 'Bootstrap', 'Ready brokers', 'Under-replicated partitions', 'Operation'],
      rows: [[text(status['clusterId']), text(status['bootstrap']), text(status['readyBrokers']), text(status['underReplicatedPartitions']), text(status['operation'])]],
    },
    {
      title: 'Brokers',
      columns: ['Node ID', 'Pod', 'Roles', 'Ready', 'Address'],
      rows: brokers.map((b) => [text(b['id']), text(b['pod']), text(b['roles']), yes(b['ready']), text(b['address'])]),
    },
    {
      title: 'Controller quorum',
      columns: ['Voter', 'Leader', 'Lag (records)'],
      rows: voters.map((v) => [String(v), yes(quorum['leader'] === v), text(lag[String(v)])]),
    },
    {
      title: 'Topics',
      columns: ['Topic', 'Partitions', 'Replication factor', 'Under-replicated partitions', 'In sync'],
      rows: topics
        .filter((t) => ((t['spec'] ?? {}) as Obj)['cluster'] === name)
        .map((t) => {
          const s = (t['status'] ?? {}) as Obj;
          return [text(s['topicName'] ?? t.metadata.name), text(s['partitions']), text(s['replicationFactor']), text(s['underReplicatedPartitions']), yes(s['inSync'])];
        }),
    },
  ];
}
