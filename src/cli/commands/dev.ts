import { Command, InvalidArgumentError, Option } from 'commander';
import { defaultStateDir, down, ensureAppImage, ensureBinaries, ensurePrebuiltApps, status, up, type ClusterState } from '../../devcluster/index.js';

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 50) throw new InvalidArgumentError('expected a whole number from 0 to 50');
  return n;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError('expected a TCP port from 1 to 65535');
  return n;
}

function describe(state: ClusterState): string {
  const lines = [
    `phase:        ${state.phase}${state.error ? ` (${state.error})` : ''}`,
    `kubeconfig:   ${state.kubeconfig}`,
    `api server:   ${state.server}`,
    `nodes:        ${[...state.nodes, ...state.simulatedNodes].join(', ')}`,
    `state dir:    ${state.stateDir}`,
  ];
  if (state.ports) lines.push(`ports:        ${Object.entries(state.ports).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  if (state.network) lines.push(`pod network:  ${state.network.cidr} (host reachable from pods at ${state.network.gateway}, host.capstan.internal)`);
  if (state.git) lines.push(`git server:   ${state.git.url} (from pods ${state.git.podUrl}); \`capstan dev deploy\` pushes this checkout there`);
  if (state.readyAfterMs !== undefined) lines.push(`ready after:  ${(state.readyAfterMs / 1000).toFixed(1)} s`);
  return lines.join('\n');
}

/** `capstan dev …`: the embedded local cluster. */
export function registerDevCommands(program: Command): void {
  const dev = program.command('dev').description('run a real local Kubernetes cluster (etcd, kube-apiserver, controller-manager, scheduler, local and simulated nodes)');
  const stateDirOption = () => new Option('--state-dir <dir>', 'where the cluster keeps its state').default(defaultStateDir());

  dev.command('up')
    .description('start the local cluster (building its binaries on first use); does nothing if it already runs')
    .addOption(stateDirOption())
    .addOption(new Option('--nodes <n>', 'local nodes that run pods as processes').argParser(count).default(1))
    .addOption(new Option('--simulated-nodes <n>', 'kwok nodes for scale (tainted kwok.x-k8s.io/node=fake:NoSchedule)').argParser(count).default(1))
    .addOption(new Option('--api-port <port>', 'API server port (default: a free one)').argParser(port))
    .option('--image-map <file>', 'JSON map of image name → local program, laid over the defaults')
    .action(async (opts: { stateDir: string; nodes: number; simulatedNodes: number; apiPort?: number; imageMap?: string }) => {
      if (opts.nodes === 0 && opts.simulatedNodes === 0) throw new InvalidArgumentError('a cluster needs at least one node: --nodes or --simulated-nodes must be above 0');
      const { state } = await up(opts, (line) => process.stderr.write(`${line}\n`));
      console.log(describe(state));
      console.log(`\nuse it:  export KUBECONFIG=${state.kubeconfig}; kubectl get nodes${state.binDir ? `   (kubectl is at ${state.binDir}/kubectl)` : ''}`);
    });

  dev.command('build')
    .description('build (or find in the cache) the binaries of the local cluster and of its application images (etcd versions), and print their directory')
    .option('--image <image...>', 'also build the version these application images name, e.g. quay.io/coreos/etcd:v3.6.15')
    .action(async (opts: { image?: string[] }) => {
      const log = (line: string) => process.stderr.write(`${line}\n`);
      const binaries = await ensureBinaries(log);
      await ensurePrebuiltApps(log);
      for (const image of opts.image ?? []) await ensureAppImage(image, log);
      console.log(binaries.dir);
    });

  dev.command('deploy')
    .description('push this checkout to the cluster\'s git server (remote "capstan"), bootstrap the sync agent to follow it, and wait until it is applied')
    .addOption(stateDirOption())
    .option('--path <dir>', 'directory holding the manifests, relative to the working directory (the Sync gets it relative to the repository root)', 'dist')
    .option('--timeout <duration>', 'how long to wait for the first sync', '5m')
    .action(async (opts: { stateDir: string; path: string; timeout: string }) => {
      const { runDevDeploy } = await import('./dev-deploy.js');
      process.exitCode = await runDevDeploy(opts);
    });

  dev.command('down')
    .description('stop the local cluster and remove its state, and the "capstan" remote it added to this checkout; nothing keeps running')
    .addOption(stateDirOption())
    .action(async (opts: { stateDir: string }) => {
      const remote = await import('../../devcluster/checkout-remote.js');
      const root = await remote.checkoutRoot(process.cwd());
      if (root && (await remote.removeCheckoutRemote(root))) console.log(`removed the remote ${remote.REMOTE} from ${root}`);
      const wasRunning = await down(opts.stateDir);
      console.log(wasRunning ? `stopped the cluster in ${opts.stateDir}` : `no cluster was running in ${opts.stateDir}; cleaned up what was left`);
    });

  dev.command('status')
    .description('show whether the local cluster runs, its ports, nodes and kubeconfig')
    .addOption(stateDirOption())
    .action((opts: { stateDir: string }) => {
      const state = status(opts.stateDir);
      if (!state) {
        console.log(`no cluster in ${opts.stateDir}: start one with \`capstan dev up\``);
        process.exitCode = 1;
        return;
      }
      console.log(describe(state));
      if (state.phase !== 'ready') process.exitCode = 1;
    });

  dev.command('kubeconfig')
    .description('print the path of the local cluster\'s kubeconfig')
    .addOption(stateDirOption())
    .action((opts: { stateDir: string }) => {
      const state = status(opts.stateDir);
      if (!state || state.phase !== 'ready') {
        console.error(`no running cluster in ${opts.stateDir}: start one with \`capstan dev up\``);
        process.exitCode = 1;
        return;
      }
      console.log(state.kubeconfig);
    });

  dev.command('supervise', { hidden: true })
    .description('the process that runs the cluster (started by `dev up`)')
    .requiredOption('--state-dir <dir>')
    .option('--nodes <n>', '', count, 1)
    .option('--simulated-nodes <n>', '', count, 1)
    .option('--api-port <port>', '', port)
    .option('--image-map <file>')
    .option('--exit-with-parent', 'stop when stdin closes')
    .action(async (opts: { stateDir: string; nodes: number; simulatedNodes: number; apiPort?: number; imageMap?: string; exitWithParent?: boolean }) => {
      // Loaded here only: it pulls in the API client, which the other dev commands do without.
      const { runSupervisor } = await import('../../devcluster/supervisor.js');
      await runSupervisor(opts, opts.exitWithParent ?? false);
    });
}
