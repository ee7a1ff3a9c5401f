import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Chart, type AppProps } from 'cdk8s';
import { ClusterScopedObject } from 'capstan/constructs';
import { KafkaCluster, KafkaTopic } from 'capstan/apps/kafka';

/**
 * A user's own cdk8s app that takes Kafka from Capstan as a library: a three-broker KRaft cluster
 * and one topic. `capstan/apps/kafka` brings the KafkaCluster and KafkaTopic CRDs and installs the
 * `kafka` operator beside them, the way a Helm chart dependency would, but typed.
 */
export function createApp(props: AppProps = {}): App {
  const app = new App(props);
  const chart = new Chart(app, 'kafka', { namespace: 'kafka' });
  new ClusterScopedObject(chart, 'namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kafka' } });
  new KafkaCluster(chart, 'events', { brokers: 3, resources: { heap: '256m' } });
  new KafkaTopic(chart, 'orders', { cluster: 'events', partitions: 6, replicationFactor: 3, config: { 'min.insync.replicas': '2' } });
  return app;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  createApp().synth();
}
