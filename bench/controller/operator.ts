/**
 * The benchmarked operator process: the sample ConfigMapMirror operator with leader election,
 * counting every API request it makes. Prints one JSON line when started and then every second
 * with its request counts, so the runner can tell idle traffic apart from work.
 * Usage: node operator.js <kubeconfig> <run> <sourceNamespace> <concurrency>
 */
import { KubeClient, loadKubeConfig, type RequestCounter } from '../../src/k8s/index.js';
import { jsonLogger, Manager } from '../../src/controller/index.js';
import { addMirrorController } from '../../test/e2e/controller/mirror.js';

const [kubeconfig, run, sourceNamespace, concurrency] = process.argv.slice(2);
if (!kubeconfig || !run || !sourceNamespace) {
  process.stderr.write('usage: operator.js <kubeconfig> <run> <sourceNamespace> [concurrency]\n');
  process.exit(2);
}
const counts: Record<string, number> = {};
const counter: RequestCounter = {
  record(method, path, isWatch) {
    const what = isWatch ? 'WATCH' : `${method} ${path.includes('/leases') ? 'lease' : 'other'}`;
    counts[what] = (counts[what] ?? 0) + 1;
  },
};
const client = new KubeClient(loadKubeConfig({ kubeconfig }), counter);
const manager = new Manager({
  client,
  name: `mirror-bench-${run}`,
  port: 0,
  host: '127.0.0.1',
  leaderElection: { namespace: sourceNamespace },
  logger: jsonLogger('error'),
});
addMirrorController(manager, { run, sourceNamespace, maxConcurrentReconciles: Number(concurrency ?? 10) });
const startedAt = Date.now();
const report = (): void => void process.stdout.write(`${JSON.stringify({ at: Date.now(), startedAt, leader: manager.isLeader, synced: manager.hasSynced, port: manager.port, counts, rss: process.memoryUsage().rss })}\n`);
setInterval(report, 1000).unref();
manager.run().then(
  () => client.close(),
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);
