import path from 'node:path';
import type { Command } from 'commander';

interface DashboardCliOptions { kubeconfig?: string; context?: string; port: string; readOnly?: boolean }

/** `capstan dashboard`: the live web view of Syncs, resource trees and objects, on 127.0.0.1 with a token. */
export function registerDashboardCommand(program: Command): void {
  program.command('dashboard')
    .description('serve a live web view of the Syncs, their resource trees, health, Events and logs on 127.0.0.1')
    .option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .option('--port <port>', 'port on 127.0.0.1 (0 picks a free one)', '7420')
    .option('--read-only', 'show only: refuse reconcile, suspend, resume, rollback and unpin')
    .action(async (opts: DashboardCliOptions) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${opts.port}: give a port number from 0 to 65535`);
      const [{ KubeClient }, { DashboardServer }, { readState }] = await Promise.all([import('../../k8s/index.js'), import('../../dashboard/index.js'), import('../../devcluster/state.js')]);
      const client = KubeClient.connect({ kubeconfig: opts.kubeconfig, context: opts.context });
      // On the local cluster, Syncs name its git server as pods see it; this machine reaches it at the pod network's gateway.
      const kubeconfig = opts.kubeconfig ?? process.env['KUBECONFIG']?.split(path.delimiter)[0];
      const gateway = kubeconfig ? readState(path.dirname(path.resolve(kubeconfig)))?.network?.gateway : undefined;
      const hostAliases: Record<string, string> = gateway ? { 'host.capstan.internal': gateway } : {};
      const dashboard = await DashboardServer.start({ client, port, readOnly: !!opts.readOnly, hostAliases }).catch((err: unknown) => {
        client.close();
        const inUse = (err as { cause?: { code?: string } }).cause?.code === 'EADDRINUSE';
        throw inUse ? new Error(`${(err as Error).message} with --port (0 picks a free one)`, { cause: err }) : err;
      });
      if (!dashboard.syncsListed) process.stderr.write('warning: the cluster does not list Syncs (capstan.dev/v1alpha1) yet; install the agent with `capstan bootstrap`, and the page shows them once it does\n');
      process.stdout.write(`capstan dashboard for ${client.server.origin}${opts.readOnly ? ' (read-only)' : ''}; open:\n\n    ${dashboard.url}\n\n`);
      const stop = async (): Promise<void> => {
        await dashboard.close();
        client.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}
