import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';

/** How to find the cluster, as kubectl takes it: `--kubeconfig`, `--context`, else `KUBECONFIG`, else in-cluster. */
export interface ConnectOptions {
  /** Path of a kubeconfig file; defaults to `KUBECONFIG` or `~/.kube/config`. */
  kubeconfig?: string | undefined;
  /** Context to use instead of the file's current-context. */
  context?: string | undefined;
}

/**
 * Everything needed to reach one API server as one user: the resolved current context of a
 * kubeconfig, or a pod's service account.
 */
export interface ClusterAccess {
  /** The API server's base URL. */
  server: string;
  /** The context's namespace, `default` when it names none. */
  namespace: string;
  /** CA bundle (PEM) to verify the server with; the system roots when absent. */
  ca?: string | undefined;
  /** Where the CA bundle came from, when it was a file. */
  caFile?: string | undefined;
  insecureSkipTlsVerify?: boolean | undefined;
  tlsServerName?: string | undefined;
  /** Client certificate and key (PEM). */
  cert?: string | undefined;
  key?: string | undefined;
  /** A bearer token, or a file holding one (re-read, since projected tokens rotate). */
  token?: string | undefined;
  tokenFile?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  /** Act as this user (`Impersonate-User`), e.g. `system:serviceaccount:<namespace>:<name>`. */
  impersonate?: string | undefined;
  /**
   * The kubeconfig file and context, kept when the user authenticates through an exec plugin or
   * auth provider: those are delegated to client-node's loader, which is loaded only then.
   */
  delegate?: { file: string | undefined; context: string } | undefined;
}

/** The in-cluster service-account directory. */
export const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

interface KubeconfigFile {
  'current-context'?: string;
  clusters?: { name: string; cluster: Record<string, unknown> }[];
  users?: { name: string; user: Record<string, unknown> }[];
  contexts?: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
}

/**
 * Loads credentials in controller-runtime's order: an explicit file, else the files of `KUBECONFIG`
 * (merged, the first definition of a name wins), else the pod's service account when running in a
 * cluster, else `~/.kube/config`.
 */
export function loadKubeConfig(options: ConnectOptions = {}): ClusterAccess {
  if (options.kubeconfig) {
    if (!fs.existsSync(options.kubeconfig)) throw new Error(`kubeconfig ${options.kubeconfig} does not exist`);
    return fromKubeconfig([options.kubeconfig], options.context);
  }
  const listed = process.env.KUBECONFIG?.split(path.delimiter).filter((f) => f && fs.existsSync(f)) ?? [];
  if (listed.length) return fromKubeconfig(listed, options.context);
  const inCluster = options.context ? undefined : loadInCluster();
  if (inCluster) return inCluster;
  const home = path.join(os.homedir(), '.kube', 'config');
  if (fs.existsSync(home)) return fromKubeconfig([home], options.context);
  throw new Error('no cluster to talk to: pass --kubeconfig, set KUBECONFIG, or run `capstan dev up` and use the kubeconfig it prints');
}

/** The pod's service account, when running in a cluster; undefined elsewhere. */
export function loadInCluster(dir = serviceAccountDir): ClusterAccess | undefined {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT;
  const tokenFile = path.join(dir, 'token');
  if (!host || !port || !fs.existsSync(tokenFile)) return undefined;
  const caFile = path.join(dir, 'ca.crt');
  const namespaceFile = path.join(dir, 'namespace');
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    namespace: fs.existsSync(namespaceFile) ? fs.readFileSync(namespaceFile, 'utf8').trim() : 'default',
    ca: fs.readFileSync(caFile, 'utf8'),
    caFile,
    tokenFile,
  };
}

function fromKubeconfig(files: string[], contextName: string | undefined): ClusterAccess {
  const merged: Required<Pick<KubeconfigFile, 'clusters' | 'users' | 'contexts'>> & { current?: string } = { clusters: [], users: [], contexts: [] };
  const origin = new Map<object, string>();
  for (const file of files) {
    let doc: KubeconfigFile;
    try {
      doc = (parse(fs.readFileSync(file, 'utf8')) ?? {}) as KubeconfigFile;
    } catch (err) {
      throw new Error(`kubeconfig ${file} is not valid YAML: ${(err as Error).message}`);
    }
    merged.current ??= doc['current-context'] || undefined;
    for (const key of ['clusters', 'users', 'contexts'] as const) {
      for (const entry of doc[key] ?? []) {
        if ((merged[key] as { name: string }[]).some((e) => e.name === entry.name)) continue;
        (merged[key] as object[]).push(entry);
        origin.set(entry, file);
      }
    }
  }
  const name = contextName ?? merged.current;
  const where = files.join(path.delimiter);
  if (!name) throw new Error(`kubeconfig ${where} has no current-context: pass --context (contexts: ${merged.contexts.map((c) => c.name).join(', ') || 'none'})`);
  const context = merged.contexts.find((c) => c.name === name);
  if (!context) throw new Error(`context "${name}" is not in kubeconfig ${where} (contexts: ${merged.contexts.map((c) => c.name).join(', ') || 'none'})`);
  const clusterEntry = merged.clusters.find((c) => c.name === context.context.cluster);
  if (!clusterEntry) throw new Error(`context "${name}" names cluster "${context.context.cluster}", which kubeconfig ${where} does not define`);
  const userEntry = merged.users.find((u) => u.name === context.context.user);
  const cluster = clusterEntry.cluster;
  const user = userEntry?.user ?? {};
  const clusterDir = path.dirname(origin.get(clusterEntry)!);
  const userDir = path.dirname(origin.get(userEntry ?? clusterEntry)!);
  const caFile = str(cluster['certificate-authority']);
  const access: ClusterAccess = {
    server: str(cluster.server) ?? '',
    namespace: context.context.namespace || 'default',
    ca: pem(str(cluster['certificate-authority-data']), caFile, clusterDir),
    caFile: caFile ? path.resolve(clusterDir, caFile) : undefined,
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    tlsServerName: str(cluster['tls-server-name']),
    cert: pem(str(user['client-certificate-data']), str(user['client-certificate']), userDir),
    key: pem(str(user['client-key-data']), str(user['client-key']), userDir),
    token: str(user.token),
    tokenFile: str(user.tokenFile) ? path.resolve(userDir, str(user.tokenFile)!) : undefined,
    username: str(user.username),
    password: str(user.password),
    impersonate: str(user.as),
  };
  if (!access.server) throw new Error(`cluster "${clusterEntry.name}" in kubeconfig ${where} has no server`);
  if (user.exec || user['auth-provider']) access.delegate = { file: files.length === 1 ? files[0] : undefined, context: name };
  return access;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function pem(data: string | undefined, file: string | undefined, dir: string): string | undefined {
  if (data) return Buffer.from(data, 'base64').toString('utf8');
  if (file) return fs.readFileSync(path.resolve(dir, file), 'utf8');
  return undefined;
}
