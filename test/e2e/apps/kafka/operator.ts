import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { kafkaLauncher } from '../../../../src/devcluster/apps/kafka.js';
import { projectRoot } from '../../../../src/devcluster/paths.js';
import type { KubeClient } from '../../../../src/k8s/index.js';
import { KafkaClusterType, KafkaTopicType } from '../../../../apps/kafka/index.js';

const execFileAsync = promisify(execFile);

/** Installs the KafkaCluster and KafkaTopic CRDs as the construct writes them, and waits until they are served. */
export async function installCrds(client: KubeClient): Promise<void> {
  for (const type of [KafkaClusterType, KafkaTopicType]) {
    await client.apply({ group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', name: type.crdName }, type.crd as never, { fieldManager: 'kafka-e2e', force: true });
  }
  for (const type of [KafkaClusterType, KafkaTopicType]) {
    for (let i = 0; ; i++) {
      const crd = await client.get<{ metadata: { name: string }; apiVersion: string; kind: string; status?: { conditions?: { type: string; status: string }[] } }>({ group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', name: type.crdName });
      if (crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (i > 100) throw new Error(`CRD ${type.crdName} did not become Established`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The `kafka` operator as `capstan operator kafka` runs it, watching one namespace; its log goes to `logFile`. */
export class OperatorProcess {
  private child: ChildProcess | undefined;

  constructor(private readonly kubeconfig: string, private readonly namespace: string, readonly logFile: string) {}

  start(): void {
    const out = fs.openSync(this.logFile, 'a');
    this.child = spawn(process.execPath, [path.join(projectRoot(), 'bin', 'capstan.js'), 'operator', 'kafka', '--kubeconfig', this.kubeconfig, '--namespace', this.namespace, '--port', '0'], {
      stdio: ['ignore', out, out],
      env: { ...process.env, CAPSTAN_LOG_LEVEL: 'info' },
    });
    fs.closeSync(out);
  }

  /** The operator's pid while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** SIGTERM, and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** One replica of the metadata quorum as Kafka's own `kafka-metadata-quorum.sh describe --replication` reports it. */
export interface QuorumReplicaRow {
  nodeId: number;
  directoryId: string;
  lag: number;
  /** `Leader`, `Follower` (a voter) or `Observer`. */
  status: string;
}

/**
 * The metadata quorum's replicas with their directory ids, asked through a broker with Kafka's own
 * tool (our admin client's DescribeQuorum v1 has no directory ids): the only way to tell a node that
 * came back on a new volume as a voter from one left as an observer behind its stale voter entry.
 */
export async function describeQuorumReplication(bootstrap: string, kafkaVersion: string): Promise<QuorumReplicaRow[]> {
  const { stdout } = await execFileAsync('/bin/sh', ['-c', 'command=$("$@") || exit $?; eval "exec $command"', 'kafka', ...kafkaLauncher(kafkaVersion), 'kafka-metadata-quorum.sh', '--bootstrap-server', bootstrap, 'describe', '--replication'], { env: { ...process.env, KAFKA_HEAP_OPTS: '-Xmx96m' }, timeout: 60_000 });
  const [header, ...rows] = stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
  const column = (name: string) => header!.indexOf(name);
  return rows.map((r) => ({ nodeId: Number(r[column('NodeId')]), directoryId: r[column('DirectoryId')]!, lag: Number(r[column('Lag')]), status: r[column('Status')]! }));
}
