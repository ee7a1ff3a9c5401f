import { Command, Option } from 'commander';
import { leaderElectEnabled, leaderElectOption } from '../options.js';

/** `capstan agent`: the sync agent, as its Deployment runs it; out of the cluster it uses your kubeconfig. */
export function registerAgentCommand(program: Command): void {
  program.command('agent')
    .description('run the sync agent: keep every Sync\'s git revision applied, repair drift, receive webhooks')
    .option('--kubeconfig <file>', 'kubeconfig to use instead of KUBECONFIG or in-cluster config')
    .option('--context <name>', 'kubeconfig context')
    .addOption(new Option('--namespace <ns>', 'reconcile only the Syncs of this namespace (empty: all)').env('CAPSTAN_WATCH_NAMESPACE'))
    .addOption(leaderElectOption())
    .addOption(new Option('--lease-namespace <ns>', 'namespace of the Lease (default: the pod\'s)').env('POD_NAMESPACE'))
    .addOption(new Option('--port <port>', '/metrics, /healthz and /readyz port').env('CAPSTAN_PORT').default('8080'))
    .addOption(new Option('--webhook-port <port>', 'webhook receiver port').env('CAPSTAN_WEBHOOK_PORT').default('9292'))
    .addOption(new Option('--cache-dir <dir>', 'where fetched repositories are cached').env('CAPSTAN_GIT_CACHE'))
    .action(async (opts: { kubeconfig?: string; context?: string; namespace?: string; leaderElect?: boolean | string; leaseNamespace?: string; port: string; webhookPort: string; cacheDir?: string }) => {
      const [{ KubeClient }, { Manager, RuntimeMetrics }, { registerAgent }] = await Promise.all([
        import('../../k8s/index.js'),
        import('../../controller/index.js'),
        import('../../agent/index.js'),
      ]);
      const metrics = new RuntimeMetrics();
      const client = KubeClient.connect({ kubeconfig: opts.kubeconfig, context: opts.context }, metrics.requests);
      const leaderElect = leaderElectEnabled(opts.leaderElect);
      const manager = new Manager({
        client,
        name: 'agent',
        metrics,
        namespace: opts.namespace || undefined,
        port: Number(opts.port),
        leaderElection: leaderElect ? { namespace: opts.leaseNamespace || client.defaultNamespace, name: 'capstan-agent-leader' } : false,
      });
      const agent = registerAgent(manager, { cacheDir: opts.cacheDir });
      const port = await agent.webhooks.listen(Number(opts.webhookPort));
      manager.logger.info('receiving webhooks', { port });
      try {
        await manager.run();
      } finally {
        await agent.webhooks.close();
        await agent.controller.stop();
        client.close();
      }
    });
}
