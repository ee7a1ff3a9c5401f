/**
 * Three combined KRaft nodes started by hand on loopback ports, with the same properties, JVM flags
 * and launcher the operator's pods get: the reference the operated cluster is measured beside.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { kafkaLauncher } from '../../src/devcluster/apps/kafka.js';
import { KafkaClusterType } from '../../apps/kafka/cluster-type.js';
import { desiredNodes } from '../../apps/kafka/layout.js';
import { nodeProperties } from '../../apps/kafka/node-config.js';
import { renderKafkaProperties } from '../../apps/kafka/properties.js';
import { kafkaUuid } from '../../apps/kafka/uuid.js';

const execPrinted = 'command=$("$@") || exit $?; eval "exec $command"';

/** A running hand-started cluster. */
export interface HandCluster {
  bootstrap: string[];
  pids: number[];
  stop(): Promise<void>;
}

/** Starts nodes 0-2 on 127.0.0.1 ports 3n092 (client), 3n091 (internal), 3n093 (controller) with `heap`, and waits until each serves. */
export async function startHandCluster(dir: string, version: string, heap: string): Promise<HandCluster> {
  const spec = KafkaClusterType.view({ apiVersion: 'x/v1', kind: 'KafkaCluster', metadata: { name: 'hand' }, spec: { version, brokers: 3, resources: { heap } } }).spec;
  const nodes = desiredNodes('hand', spec);
  const launcher = kafkaLauncher(version);
  const port = (id: number, kind: 'client' | 'internal' | 'controller') => 30000 + id * 100 + { client: 92, internal: 91, controller: 93 }[kind];
  const clusterId = kafkaUuid();
  const dirs = nodes.map(() => kafkaUuid());
  const initial = nodes.map((n, i) => `${n.id}@127.0.0.1:${port(n.id, 'controller')}:${dirs[i]}`).join(',');
  const children: ChildProcess[] = [];
  for (const node of nodes) {
    const props = nodeProperties('hand', 'bench', spec, node, nodes);
    const nodeDir = path.join(dir, `node-${node.id}`);
    fs.mkdirSync(nodeDir, { recursive: true });
    Object.assign(props, {
      'listeners': `PLAINTEXT://127.0.0.1:${port(node.id, 'client')},INTERNAL://127.0.0.1:${port(node.id, 'internal')},CONTROLLER://127.0.0.1:${port(node.id, 'controller')}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${port(node.id, 'client')},INTERNAL://127.0.0.1:${port(node.id, 'internal')},CONTROLLER://127.0.0.1:${port(node.id, 'controller')}`,
      'controller.quorum.bootstrap.servers': nodes.map((n) => `127.0.0.1:${port(n.id, 'controller')}`).join(','),
      'log.dirs': path.join(nodeDir, 'data'),
    });
    const config = path.join(nodeDir, 'server.properties');
    fs.writeFileSync(config, renderKafkaProperties(props));
    const format = spawnSync('/bin/sh', ['-c', execPrinted, 'kafka', ...launcher, 'kafka-storage.sh', 'format', '--cluster-id', clusterId, '--config', config, '--initial-controllers', initial], { env: { ...process.env, KAFKA_HEAP_OPTS: '-Xmx128m' }, encoding: 'utf8' });
    if (format.status !== 0) throw new Error(`formatting hand node ${node.id} failed: ${format.stderr}`);
    const out = fs.openSync(path.join(nodeDir, 'kafka.log'), 'a');
    children.push(spawn('/bin/sh', ['-c', execPrinted, 'kafka', ...launcher, 'kafka-server-start.sh', config], {
      env: { ...process.env, KAFKA_HEAP_OPTS: `-Xms${heap} -Xmx${heap}`, KAFKA_OPTS: '-Dsun.net.inetaddr.ttl=5 -Dsun.net.inetaddr.negative.ttl=1' },
      stdio: ['ignore', out, out],
    }));
    fs.closeSync(out);
  }
  const logs = nodes.map((n) => path.join(dir, `node-${n.id}`, 'kafka.log'));
  const deadline = Date.now() + 120_000;
  while (!logs.every((l) => fs.readFileSync(l, 'utf8').includes('Kafka Server started'))) {
    if (Date.now() > deadline) throw new Error(`hand-started nodes did not start within 120 s; see ${dir}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    bootstrap: nodes.map((n) => `127.0.0.1:${port(n.id, 'client')}`),
    pids: children.map((c) => c.pid!),
    stop: async () => {
      await Promise.all(children.map((c) => new Promise((resolve) => {
        if (c.exitCode !== null) return resolve(undefined);
        c.once('exit', resolve);
        c.kill('SIGTERM');
      })));
    },
  };
}
