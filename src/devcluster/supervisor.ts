import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import type net from 'node:net';
import { KubeClient, loadKubeConfig } from '../k8s/index.js';
import { ensureBinaries } from './build.js';
import { apiserverSpec, controllerManagerSpec, etcdSpec, kwokSpec, probeHealth, schedulerSpec, type ClusterPorts, type ComponentContext } from './components.js';
import { forwardTcp } from './forwarder.js';
import { writeKubeconfig } from './kubeconfig.js';
import { PodNetwork } from './network.js';
import { NodeAgent } from './node/agent.js';
import { defaultImageMap, loadImageMap } from './node/images.js';
import { simulatedNode } from './node/node-object.js';
import { defaultStorageClass } from './node/provisioner.js';
import { startLocalGit } from './local-git.js';
import { createPki } from './pki.js';
import { assertPortFree, freePort } from './ports.js';
import { ManagedProcess } from './process.js';
import { projectRoot } from './paths.js';
import { controlSocket, writeState, type ClusterOptions, type ClusterState } from './state.js';


/**
 * The long-running process behind `capstan dev up`: starts etcd, kube-apiserver, the controller
 * manager, the scheduler, the local node agent and kwok, records progress in the state file, and
 * stops them all, in reverse order, on SIGTERM or SIGINT — or when its parent closes stdin, for test
 * runs that must leave nothing behind even when killed.
 */
export async function runSupervisor(options: ClusterOptions, exitWithParent: boolean): Promise<void> {
  const started = Date.now();
  const { stateDir } = options;
  await fs.mkdir(path.join(stateDir, 'logs'), { recursive: true });
  const state: ClusterState = {
    phase: 'starting', pid: process.pid, stateDir, kubeconfig: path.join(stateDir, 'kubeconfig'), server: '',
    nodes: Array.from({ length: options.nodes }, (_, i) => `capstan-node-${i}`),
    simulatedNodes: Array.from({ length: options.simulatedNodes }, (_, i) => `capstan-sim-${i}`),
    startedAt: new Date(started).toISOString(),
  };
  await writeState(state);
  const step = (what: string) => console.log(`${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${what}`);

  const components: ManagedProcess[] = [];
  let agent: NodeAgent | undefined;
  let network: PodNetwork | undefined;
  const servers: (net.Server | http.Server | { close(): unknown })[] = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await agent?.stop().catch(() => undefined);
    for (const c of [...components].reverse()) await c.stop();
    for (const s of servers) s.close();
    await network?.teardown().catch(() => undefined);
    if (state.phase !== 'failed') state.phase = 'stopped';
    await writeState(state).catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));
  if (exitWithParent) {
    process.stdin.on('end', () => void shutdown(0));
    process.stdin.on('close', () => void shutdown(0));
    process.stdin.resume();
  }

  try {
    const binaries = await ensureBinaries((line) => console.log(line));
    state.binDir = binaries.dir;
    if (await PodNetwork.available()) {
      network = await PodNetwork.create(stateDir);
      state.network = { id: network.id, gateway: network.gateway, cidr: network.cidr };
    } else {
      console.log('not root (or no `ip netns`): pods share the host network, so container ports can collide and pods have no names');
    }
    if (options.apiPort) await assertPortFree(options.apiPort, 'the API server (--api-port)');
    const ports: ClusterPorts = {
      etcdClient: await freePort(), etcdPeer: await freePort(), apiserver: options.apiPort ?? await freePort(),
      controllerManager: await freePort(), scheduler: await freePort(), kwokMetrics: await freePort(), kubelet: await freePort(),
    };
    state.ports = ports;
    state.server = `https://127.0.0.1:${ports.apiserver}`;
    step('pod network ready');
    const pki = await createPki(path.join(stateDir, 'pki'), { apiserverIps: network ? [network.gateway] : [] });
    const kubeconfigs = { admin: state.kubeconfig, controllerManager: path.join(stateDir, 'controller-manager.kubeconfig'), scheduler: path.join(stateDir, 'scheduler.kubeconfig'), nodeAgent: path.join(stateDir, 'node-agent.kubeconfig') };
    const common = { name: 'capstan-dev', server: state.server, caFile: pki.ca.cert };
    await writeKubeconfig(kubeconfigs.admin, { ...common, user: 'capstan-admin', client: pki.admin });
    await writeKubeconfig(kubeconfigs.controllerManager, { ...common, user: 'kube-controller-manager', client: pki.controllerManager });
    await writeKubeconfig(kubeconfigs.scheduler, { ...common, user: 'kube-scheduler', client: pki.scheduler });
    await writeKubeconfig(kubeconfigs.nodeAgent, { ...common, user: 'capstan-node-agent', client: pki.nodeAgent });
    await writeState(state);

    const ctx: ComponentContext = { stateDir, binaries, pki, ports, advertiseAddress: network?.gateway ?? '127.0.0.1', kubeconfigs };
    // Components stopped on purpose through the control socket: not restarted when they exit.
    const paused = new Set<string>();
    const launch = (spec: ReturnType<typeof etcdSpec>) => {
      const proc = new ManagedProcess(spec);
      proc.onUnexpectedExit = (code, signal) => {
        if (stopping || paused.has(spec.name)) return;
        console.error(`${spec.name} exited (code ${code}, signal ${signal}); restarting it. Last log lines:\n${proc.logTail(10)}`);
        setTimeout(() => !stopping && proc.start(), 1000);
      };
      proc.start();
      components.push(proc);
      return proc;
    };
    const adminTls = { ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key };

    step('certificates and kubeconfigs written');
    const etcd = launch(etcdSpec(ctx));
    await waitFor('etcd', () => probeHealth(`http://127.0.0.1:${ports.etcdClient}/health`), etcd);
    step('etcd ready');
    const apiserver = launch(apiserverSpec(ctx));
    await waitFor('kube-apiserver', () => probeHealth(`${state.server}/readyz`, adminTls), apiserver, 90_000);
    step('kube-apiserver ready');
    const kcm = launch(controllerManagerSpec(ctx));
    const scheduler = launch(schedulerSpec(ctx));
    await waitFor('kube-controller-manager', () => probeHealth(`https://127.0.0.1:${ports.controllerManager}/healthz`, { insecure: true }), kcm);
    await waitFor('kube-scheduler', () => probeHealth(`https://127.0.0.1:${ports.scheduler}/healthz`, { insecure: true }), scheduler);

    step('controller-manager and scheduler ready');
    const client = new KubeClient(loadKubeConfig({ kubeconfig: kubeconfigs.nodeAgent }));
    await client.apply({ group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses', name: 'standard' }, defaultStorageClass, { fieldManager: 'capstan-dev', force: true });

    const apiHost = network?.gateway ?? '127.0.0.1';
    if (network) {
      servers.push(await forwardTcp({ host: network.gateway, port: 443 }, { host: '127.0.0.1', port: ports.apiserver }));
      servers.push(await forwardTcp({ host: network.gateway, port: ports.apiserver }, { host: '127.0.0.1', port: ports.apiserver }));
    }
    const images = loadImageMap(defaultImageMap({ projectRoot: projectRoot() }), options.imageMap);
    agent = new NodeAgent({
      client, nodeNames: state.nodes, stateDir, network, images,
      kubelet: { port: ports.kubelet, cert: pki.kubeletServing.cert, key: pki.kubeletServing.key, ca: pki.ca.cert },
      apiserver: { host: apiHost, port: network ? 443 : ports.apiserver },
    });
    await agent.start();

    step('local nodes registered');
    if (options.simulatedNodes > 0) {
      launch(kwokSpec(ctx));
      for (const name of state.simulatedNodes) {
        await client.create({ group: '', version: 'v1', resource: 'nodes' }, simulatedNode(name)).catch((err: Error) => {
          if (!/AlreadyExists|409/.test(err.message)) throw err;
        });
      }
    }
    step('simulated nodes created');
    const git = await startLocalGit(stateDir, network?.gateway ?? '127.0.0.1', new KubeClient(loadKubeConfig({ kubeconfig: kubeconfigs.admin })), (line) => console.log(line));
    state.git = git.info;
    servers.push(git);
    step('git server ready');
    servers.push(await controlServer(stateDir, { 'kube-apiserver': apiserver, etcd, 'kube-controller-manager': kcm, 'kube-scheduler': scheduler }, paused));
    await waitFor('all nodes to be Ready', () => nodesReady(client, [...state.nodes, ...state.simulatedNodes]), undefined, 90_000);

    state.phase = 'ready';
    state.readyAfterMs = Date.now() - started;
    await writeState(state);
    step('all nodes Ready');
  } catch (err) {
    state.phase = 'failed';
    state.error = (err as Error).message;
    console.error(`cluster failed to start: ${state.error}`);
    await shutdown(1);
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, proc?: ManagedProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`${what} did not become ready within ${timeoutMs / 1000} s${proc ? `; last lines of ${proc.spec.logFile}:\n${proc.logTail(15)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function nodesReady(client: KubeClient, names: string[]): Promise<boolean> {
  const list = await client.list<{ metadata: { name?: string }; spec?: { taints?: { key: string }[] }; status?: { conditions?: { type: string; status: string }[] } }>({ group: '', version: 'v1', resource: 'nodes' });
  return names.every((name) => {
    const node = list.items.find((n) => n.metadata.name === name);
    const ready = node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    const notReadyTaint = node?.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/not-ready');
    return ready && !notReadyTaint;
  });
}

/**
 * A tiny HTTP API on a unix socket in the state directory: `POST /components/<name>/stop|start`. Tests
 * use it to take the API server away and bring it back while clients run.
 */
async function controlServer(stateDir: string, components: Record<string, ManagedProcess>, paused: Set<string>): Promise<http.Server> {
  const socket = controlSocket(stateDir);
  await fs.rm(socket, { force: true });
  const server = http.createServer((req, res) => {
    const match = /^\/components\/([\w-]+)\/(stop|start)$/.exec(req.url ?? '');
    const proc = match ? components[match[1]!] : undefined;
    if (req.method !== 'POST' || !match || !proc) {
      res.writeHead(404).end(`use POST /components/{${Object.keys(components).join('|')}}/{stop|start}\n`);
      return;
    }
    const name = match[1]!;
    const action = match[2] === 'stop'
      ? (paused.add(name), proc.stop())
      : (paused.delete(name), Promise.resolve(proc.running ? undefined : proc.start()));
    void action.then(() => res.end(`${name} ${match[2] === 'stop' ? 'stopped' : 'started'}\n`), (err: Error) => res.writeHead(500).end(err.message));
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return server;
}
