/**
 * The mirror operator as its own process, for the leader-election and shutdown tests: it prints one
 * JSON line per thing the tests watch for (`leader`, `reconcile-start`, `reconcile-end`, `stopped`).
 * Usage: tsx operator-process.ts <kubeconfig> <run> <sourceNamespace> <leaseNamespace> <identity> [slowMs]
 */
import { KubeClient, loadKubeConfig } from '../../../src/k8s/index.js';
import { jsonLogger, Manager } from '../../../src/controller/index.js';
import { addMirrorController } from './mirror.js';

const [kubeconfig, run, sourceNamespace, leaseNamespace, identity, slow] = process.argv.slice(2);
if (!kubeconfig || !run || !sourceNamespace || !leaseNamespace || !identity) {
  process.stderr.write('usage: operator-process.ts <kubeconfig> <run> <sourceNamespace> <leaseNamespace> <identity> [slowMs]\n');
  process.exit(2);
}
const say = (event: string, fields: Record<string, unknown> = {}): void => void process.stdout.write(`${JSON.stringify({ event, identity, at: Date.now(), ...fields })}\n`);
const client = new KubeClient(loadKubeConfig({ kubeconfig }));
const manager = new Manager({
  client,
  name: `mirror-e2e-${run}`,
  identity,
  port: false,
  leaderElection: { namespace: leaseNamespace },
  logger: jsonLogger((process.env.CAPSTAN_LOG_LEVEL as 'info' | undefined) ?? 'error'),
});
const slowMs = Number(slow ?? 0);
addMirrorController(manager, {
  run,
  sourceNamespace,
  hooks: {
    onReconcile: async (req) => {
      say('reconcile-start', { name: req.name });
      if (slowMs > 0) await new Promise((r) => setTimeout(r, slowMs));
      say('reconcile-end', { name: req.name });
    },
  },
});
const poll = setInterval(() => {
  if (manager.isLeader) {
    say('leader');
    clearInterval(poll);
  }
}, 20);
say('started');
manager.run().then(
  () => {
    clearInterval(poll);
    say('stopped');
    client.close();
  },
  (err: unknown) => {
    say('failed', { error: String(err) });
    process.exit(1);
  },
);
