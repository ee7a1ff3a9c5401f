import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { leaderElectEnabled, leaderElectOption } from '../options.js';
import { projectRoot } from '../../devcluster/paths.js';

/**
 * The module that names every operator: TypeScript in a checkout, compiled JavaScript in an installed
 * package (where apps/ ships only as lib/apps/, so an app that imports `capstan/apps/kafka` finds its operator).
 */
const operatorModules = ['apps/operators.js', 'apps/operators.ts', 'lib/apps/operators.js'];

/** Where the operators module is: `--operators`, else apps/operators.{js,ts} under the working directory, else Capstan's own. */
function findOperators(explicit: string | undefined): string {
  if (explicit) {
    if (!fs.existsSync(explicit)) throw new Error(`operators module ${explicit} does not exist`);
    return path.resolve(explicit);
  }
  for (const base of [process.cwd(), projectRoot()]) {
    for (const candidate of operatorModules) {
      const file = path.join(base, candidate);
      if (fs.existsSync(file)) return file;
    }
  }
  throw new Error(`found no ${operatorModules.join(' or ')} under ${process.cwd()} or ${projectRoot()}: pass --operators FILE`);
}

/** `capstan operator <name>`: runs one of the repository's operators, in or out of the cluster. */
export function registerOperatorCommand(program: Command): void {
  program.command('operator')
    .description('run an operator of this repository (what its Deployment runs); out of the cluster it uses your kubeconfig')
    .argument('<name>', 'operator name, as apps/operators.ts lists it')
    .option('--operators <file>', 'module exporting `operators` (name → register function)')
    .option('--kubeconfig <file>', 'kubeconfig to use instead of KUBECONFIG or in-cluster config')
    .option('--context <name>', 'kubeconfig context')
    .addOption(new Option('--namespace <ns>', 'watch only this namespace (empty: all)').env('CAPSTAN_WATCH_NAMESPACE'))
    .addOption(leaderElectOption())
    .addOption(new Option('--lease <name>', 'Lease name for leader election').env('CAPSTAN_LEADER_ELECTION_LEASE'))
    .addOption(new Option('--lease-namespace <ns>', 'namespace of the Lease (default: the pod\'s, or --namespace)').env('POD_NAMESPACE'))
    .addOption(new Option('--port <port>', '/metrics, /healthz and /readyz port').env('CAPSTAN_PORT').default('8080'))
    .action(async (name: string, opts: { operators?: string; kubeconfig?: string; context?: string; namespace?: string; leaderElect?: boolean | string; lease?: string; leaseNamespace?: string; port: string }) => {
      const file = findOperators(opts.operators);
      const [{ importAppModule }, { KubeClient }, { Manager, RuntimeMetrics }] = await Promise.all([
        import('../../constructs/synth/load-app.js'),
        import('../../k8s/index.js'),
        import('../../controller/index.js'),
      ]);
      const module = (await importAppModule(file)) as { operators?: Record<string, (manager: InstanceType<typeof Manager>) => void> };
      const register = module.operators?.[name];
      if (!register) throw new Error(`${file} has no operator "${name}" (it has: ${Object.keys(module.operators ?? {}).join(', ') || 'none'})`);
      const metrics = new RuntimeMetrics();
      const client = KubeClient.connect({ kubeconfig: opts.kubeconfig, context: opts.context }, metrics.requests);
      const namespace = opts.namespace || undefined;
      const leaderElect = leaderElectEnabled(opts.leaderElect);
      const leaseNamespace = opts.leaseNamespace || namespace || client.defaultNamespace;
      const manager = new Manager({
        client,
        name,
        metrics,
        namespace,
        port: Number(opts.port),
        leaderElection: leaderElect ? { namespace: leaseNamespace, ...(opts.lease ? { name: opts.lease } : {}) } : false,
      });
      register(manager);
      await manager.run();
      client.close();
    });
}
