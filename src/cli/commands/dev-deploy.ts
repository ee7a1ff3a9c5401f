import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { KubeClient, KubeObject } from '../../k8s/index.js';
import { runBootstrap } from './bootstrap.js';

/** Options of `capstan dev deploy`. */
export interface DevDeployOptions {
  stateDir: string;
  /** The manifests' directory, relative to the working directory: an app in a subfolder of its repository deploys its own `dist`. */
  path: string;
  timeout: string;
}

const NAMESPACE = 'capstan-system';
/**
 * The Sync that follows `manifests` (relative to the repository root): `capstan` for the root's
 * `dist`, else one named after the app's folder, so an app kept in a subfolder (examples/kafka)
 * gets its own inventory and deploying it never prunes what another app of the repository applied.
 */
export function syncNameFor(manifests: string): string {
  if (manifests === 'dist' || manifests === '') return 'capstan';
  const parts = manifests.split(path.sep).filter((p) => p !== 'dist');
  const name = (parts.at(-1) ?? '').toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
  return name || 'capstan';
}
const CREDENTIALS_SECRET = 'capstan-git';

/**
 * The GitOps loop on the local cluster: the checkout gets a bare repository on the cluster's git
 * server and a `capstan` remote, its HEAD is pushed, the agent is bootstrapped to follow it, and
 * once the Sync is Ready what runs is printed with the one command that deploys the next change.
 */
export async function runDevDeploy(opts: DevDeployOptions): Promise<number> {
  const [{ status }, remote, { createBareRepository }, { readGitCredentials }, { exec }, { KubeClient, loadKubeConfig }] = await Promise.all([
    import('../../devcluster/index.js'),
    import('../../devcluster/checkout-remote.js'),
    import('../../devcluster/git-server.js'),
    import('../../devcluster/local-git.js'),
    import('../../devcluster/exec.js'),
    import('../../k8s/index.js'),
  ]);
  const state = status(opts.stateDir);
  if (!state || state.phase !== 'ready') throw new Error(`no running cluster in ${opts.stateDir}: start one with \`capstan dev up\``);
  if (!state.git) throw new Error(`the cluster in ${opts.stateDir} has no git server (it was started by an older Capstan): run \`capstan dev down\` and \`capstan dev up\``);
  const root = await remote.checkoutRoot(process.cwd());
  if (!root) throw new Error(`${process.cwd()} is not in a git checkout: run \`capstan dev deploy\` inside the repository to deploy`);
  const manifests = path.relative(root, path.resolve(realpathSync(process.cwd()), opts.path));
  if (manifests.startsWith('..') || path.isAbsolute(manifests)) throw new Error(`--path ${opts.path} is outside the checkout ${root}`);
  const sync = syncNameFor(manifests);
  const name = remote.repositoryName(root);
  await createBareRepository(state.git.root, name);
  const account = await readGitCredentials(state.git);
  const hostUrl = new URL(`${state.git.url}/${name}.git`);
  hostUrl.username = account.username;
  hostUrl.password = account.password;
  await remote.setCheckoutRemote(root, hostUrl.toString());
  process.stderr.write(`pushing ${root} (HEAD) to the local git server as ${name}.git (remote ${remote.REMOTE})\n`);
  const pushed = await exec('git', ['-C', root, 'push', '--quiet', '--force', remote.REMOTE, 'HEAD:refs/heads/main']);
  if (pushed.code !== 0) throw new Error(`git push ${remote.REMOTE} failed: ${pushed.stderr.trim().replace(account.password, '***')}`);

  const client = new KubeClient(loadKubeConfig({ kubeconfig: state.kubeconfig }));
  try {
    await ensureNamespace(client, NAMESPACE);
    await client.apply({ group: '', version: 'v1', resource: 'secrets', namespace: NAMESPACE, name: CREDENTIALS_SECRET }, {
      apiVersion: 'v1', kind: 'Secret', metadata: { name: CREDENTIALS_SECRET, namespace: NAMESPACE }, type: 'kubernetes.io/basic-auth', stringData: { ...account },
    }, { fieldManager: 'capstan-dev', force: true });
  } finally {
    client.close();
  }
  const code = await runBootstrap({
    kubeconfig: state.kubeconfig, url: `${state.git.podUrl}/${name}.git`, ref: 'main', path: manifests || '.', name: sync, namespace: NAMESPACE,
    secret: CREDENTIALS_SECRET, interval: '1m', prune: true, timeout: opts.timeout,
  });
  if (code !== 0) return code;
  await printWhatRuns(state.kubeconfig, sync);
  process.stdout.write(`\nDeploy the next change: commit it (run \`npm run synth\` first when apps/ changed), then\n\n    git push ${remote.REMOTE} HEAD:main\n\nThe post-receive hook tells the agent, which applies it at once; \`npx capstan sync status ${sync}\` shows where it is.\n`);
  return 0;
}

async function ensureNamespace(client: KubeClient, name: string): Promise<void> {
  const ref = { group: '', version: 'v1', resource: 'namespaces', name };
  if (!(await client.get(ref))) await client.create({ ...ref, name: undefined }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

/** The workloads and Services the Sync applied, with the addresses this host opens them at (pods are reachable directly). */
async function printWhatRuns(kubeconfig: string, name: string): Promise<void> {
  const { KubeClient, loadKubeConfig } = await import('../../k8s/index.js');
  const client = new KubeClient(loadKubeConfig({ kubeconfig }));
  try {
    const sync = await client.get<KubeObject & { status?: { inventory?: { apiVersion: string; kind: string; namespace?: string; names: string[] }[] } }>({ group: 'capstan.dev', version: 'v1alpha1', resource: 'syncs', namespace: NAMESPACE, name });
    const groups = sync?.status?.inventory ?? [];
    const count = groups.reduce((n, g) => n + g.names.length, 0);
    process.stdout.write(`\nNow running (${count} objects):\n`);
    for (const g of groups.filter((x) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(x.kind) || x.apiVersion.includes('.capstan.dev/'))) {
      process.stdout.write(`  ${g.kind.padEnd(12)} ${g.namespace ? `${g.namespace}/` : ''}${g.names.join(', ')}\n`);
    }
    for (const g of groups.filter((x) => x.kind === 'Service' && x.apiVersion === 'v1')) {
      for (const name of g.names) {
        const ep = await client.get<KubeObject & { subsets?: { addresses?: { ip: string }[]; ports?: { port: number }[] }[] }>({ group: '', version: 'v1', resource: 'endpoints', namespace: g.namespace, name });
        const subset = ep?.subsets?.find((s) => s.addresses?.length);
        const where = subset ? `http://${subset.addresses![0]!.ip}:${subset.ports?.[0]?.port ?? 80}` : '(no ready pod yet)';
        process.stdout.write(`  Service      ${g.namespace}/${name}  open ${where}\n`);
      }
    }
  } finally {
    client.close();
  }
}
