import fs from 'node:fs/promises';
import path from 'node:path';
import { isNotFound } from '../../k8s/index.js';
import type { NodeContext } from './context.js';
import { ContainerRuntime } from './container-runtime.js';
import type { Exit } from './container.js';
import type { ContainerStatus, Pod, PodCondition, PodStatus } from './types.js';
import { prepareVolumes, refreshVolumes, VolumeNotReady } from './volumes.js';

/** How often ConfigMap, Secret and downward API volumes are brought up to date (the kubelet takes up to a minute). */
const volumeSyncMs = 10_000;

const podsRef = (pod: Pod) => ({ group: '', version: 'v1', resource: 'pods', namespace: pod.metadata.namespace, name: pod.metadata.name });

/**
 * Runs one pod bound to a local node through its life: network namespace and IP, volumes, init
 * containers in order, then the containers; reports status; on deletion stops the processes with the
 * grace period and removes the pod, as the kubelet does.
 */
export class PodWorker {
  private pod: Pod;
  private ip: string | undefined;
  private netns: string | undefined;
  private readonly podDir: string;
  private initContainers: ContainerRuntime[] = [];
  private containers: ContainerRuntime[] = [];
  private initialized = false;
  private sandboxReady = false;
  private startTime: string | undefined;
  private lastWritten = '';
  private statusTimer: NodeJS.Timeout | undefined;
  private terminating: Promise<void> | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private volumeSync: NodeJS.Timeout | undefined;
  private volumeDirs = new Map<string, string>();
  private startError: string | undefined;

  constructor(private readonly ctx: NodeContext, pod: Pod) {
    this.pod = pod;
    this.podDir = path.join(ctx.podsDir, `${pod.metadata.namespace}_${pod.metadata.name}_${pod.metadata.uid}`);
  }

  /** The pod as last seen. */
  get current(): Pod {
    return this.pod;
  }

  /** A container of this pod by name, for the logs endpoint. */
  container(name: string | undefined): ContainerRuntime | undefined {
    const all = [...this.containers, ...this.initContainers];
    return name ? all.find((c) => c.spec.name === name) : all.length === 1 ? all[0] : undefined;
  }

  /** Takes a newer version of the pod from the watch. */
  update(pod: Pod): void {
    const ipBefore = this.pod.status?.podIP;
    this.pod = { ...pod, status: { ...pod.status, ...(this.ip ? { podIP: this.ip } : {}) } };
    if (ipBefore !== this.pod.status?.podIP) this.ctx.namesChanged();
  }

  /** Starts the pod: sandbox, volumes, init containers, containers. */
  async start(): Promise<void> {
    this.startTime = new Date().toISOString();
    await fs.mkdir(this.podDir, { recursive: true });
    this.ip = this.ctx.allocateIp();
    if (this.ctx.network) this.netns = await this.ctx.network.addPod(this.pod.metadata.uid!, this.ip);
    this.sandboxReady = true;
    this.pod = { ...this.pod, status: { ...this.pod.status, podIP: this.ip } };
    await this.ctx.writeHosts(this.pod);
    this.ctx.namesChanged();
    this.syncStatus();
    await this.mountVolumes();
    if (this.terminating) return;
    const volumeContext = { client: this.ctx.client, podDir: this.podDir, data: this.ctx.data };
    this.volumeSync = setInterval(() => void refreshVolumes(this.pod, volumeContext).catch(() => undefined), volumeSyncMs);
    const changed = () => this.syncStatus();
    const make = (spec: Pod['spec']['containers'][number], init: boolean, finished: (exit: Exit) => void) =>
      new ContainerRuntime(this.ctx, () => this.pod, spec, init, this.podDir, this.volumeDirs, this.netns, changed, finished);
    this.containers = this.pod.spec.containers.map((c) => make(c, false, () => this.afterContainerFinished()));
    this.initContainers = (this.pod.spec.initContainers ?? []).map((c) => make(c, true, (exit) => void this.afterInitFinished(exit)));
    await this.runNextInit();
  }

  private async mountVolumes(): Promise<void> {
    for (;;) {
      if (this.terminating) return;
      try {
        const { dirs, refreshAt } = await prepareVolumes(this.pod, { client: this.ctx.client, podDir: this.podDir, data: this.ctx.data });
        this.volumeDirs = dirs;
        this.startError = undefined;
        if (refreshAt !== undefined) {
          this.refreshTimer = setTimeout(() => void this.mountVolumes().catch(() => undefined), Math.max(1000, refreshAt - Date.now()));
        }
        return;
      } catch (err) {
        const message = (err as Error).message;
        if (this.startError !== message) {
          this.ctx.event(this.pod, 'Warning', 'FailedMount', message);
          this.startError = message;
          this.syncStatus();
        }
        await new Promise((r) => setTimeout(r, err instanceof VolumeNotReady ? 1000 : 5000));
      }
    }
  }

  private async runNextInit(): Promise<void> {
    const next = this.initContainers.find((c) => !c.state.terminated);
    if (!next) {
      this.initialized = true;
      this.syncStatus();
      for (const c of this.containers) await c.start();
      return;
    }
    await next.start();
  }

  private async afterInitFinished(exit: Exit): Promise<void> {
    if (exit.exitCode === 0) await this.runNextInit();
    else this.syncStatus();
  }

  private afterContainerFinished(): void {
    this.syncStatus();
    if (this.containers.every((c) => c.state.terminated)) void this.releaseSandbox();
  }

  /**
   * Stops every container with the grace period, frees the sandbox and, when the API asked for the
   * deletion, removes the pod object for good.
   */
  terminate(graceSeconds: number, deleteObject: boolean): Promise<void> {
    this.terminating ??= (async () => {
      clearTimeout(this.refreshTimer);
      clearInterval(this.volumeSync);
      await Promise.all([...this.containers, ...this.initContainers].map((c) => c.stop(graceSeconds)));
      await this.releaseSandbox();
      if (deleteObject) await this.deleteObject();
      await fs.rm(this.podDir, { recursive: true, force: true });
    })();
    return this.terminating;
  }

  /**
   * Removes the pod object once its processes are gone. Retried: nothing else brings a terminated pod
   * back here, so one failed request (a timeout on a busy API server) would leave it Terminating.
   */
  private async deleteObject(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.ctx.client.delete(podsRef(this.pod), { gracePeriodSeconds: 0, preconditions: { uid: this.pod.metadata.uid! } });
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (attempt >= 30) throw err;
        await new Promise((r) => setTimeout(r, Math.min(5000, 250 * attempt)));
      }
    }
  }

  private async releaseSandbox(): Promise<void> {
    if (this.netns) {
      await this.ctx.network?.removePod(this.pod.metadata.uid!);
      this.netns = undefined;
    }
    if (this.ip && this.terminating) {
      this.ctx.releaseIp(this.ip);
    }
  }

  /** Writes the pod's status soon (changes within 50 ms are written once), and only if it changed. */
  syncStatus(): void {
    if (this.statusTimer) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      void this.writeStatus().catch((err: Error) => {
        // The API may be briefly unavailable: forget what was written so the next change writes again.
        console.error(`status of pod ${this.pod.metadata.namespace}/${this.pod.metadata.name}: ${err.message}`);
        this.lastWritten = '';
        setTimeout(() => this.syncStatus(), 2000);
      });
    }, 50);
  }

  private async writeStatus(): Promise<void> {
    if (this.terminating && this.pod.metadata.deletionTimestamp) return;
    const status = this.computeStatus();
    const text = JSON.stringify(status);
    if (text === this.lastWritten) return;
    this.lastWritten = text;
    const readyBefore = this.pod.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    try {
      await this.ctx.client.patch({ ...podsRef(this.pod), subresource: 'status' }, 'merge', { status });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.pod = { ...this.pod, status: { ...this.pod.status, ...status } };
    const readyAfter = status.conditions?.find((c) => c.type === 'Ready')?.status;
    if (readyBefore !== readyAfter) this.ctx.namesChanged();
  }

  /** The pod status from the containers' states, keeping transition times of unchanged conditions. */
  computeStatus(): PodStatus {
    const uid = this.pod.metadata.uid!;
    const containerStatuses: ContainerStatus[] = this.containers.length
      ? this.containers.map((c) => c.status(uid))
      : this.pod.spec.containers.map((c) => ({
        name: c.name, image: c.image, imageID: '', ready: false, started: false, restartCount: 0, lastState: {},
        state: { waiting: { reason: this.startError ? 'CreateContainerConfigError' : 'ContainerCreating', ...(this.startError ? { message: this.startError } : {}) } },
      }));
    const initContainerStatuses = this.initContainers.map((c) => c.status(uid));
    const policy = this.pod.spec.restartPolicy ?? 'Always';
    const allReady = this.initialized && this.containers.length > 0 && this.containers.every((c) => c.ready);
    const terminated = this.containers.length > 0 && this.containers.every((c) => c.state.terminated);
    const initFailed = this.initContainers.some((c) => (c.state.terminated?.exitCode ?? 0) !== 0) && policy === 'Never';
    let phase: PodStatus['phase'] = 'Pending';
    if (initFailed) phase = 'Failed';
    else if (terminated) phase = this.containers.every((c) => c.state.terminated!.exitCode === 0) ? 'Succeeded' : 'Failed';
    else if (this.initialized && this.containers.some((c) => c.state.running || c.restartCount > 0)) phase = 'Running';

    const previous = new Map((this.pod.status?.conditions ?? []).map((c) => [c.type, c]));
    const condition = (type: string, value: boolean, reason?: string): PodCondition => {
      const status = value ? 'True' : 'False';
      const before = previous.get(type);
      return {
        type,
        status,
        lastProbeTime: null,
        lastTransitionTime: before?.status === status && before.lastTransitionTime ? before.lastTransitionTime : new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        ...(reason && !value ? { reason } : {}),
      };
    };
    const done = phase === 'Succeeded' || phase === 'Failed';
    const conditions: PodCondition[] = [
      condition('PodReadyToStartContainers', this.sandboxReady && !done),
      condition('Initialized', this.initialized, 'ContainersNotInitialized'),
      condition('Ready', allReady && !done, done ? 'PodCompleted' : 'ContainersNotReady'),
      condition('ContainersReady', allReady && !done, done ? 'PodCompleted' : 'ContainersNotReady'),
    ];
    const scheduled = previous.get('PodScheduled');
    if (scheduled) conditions.push(scheduled);
    const hostIP = '127.0.0.1';
    return {
      phase,
      conditions,
      hostIP,
      hostIPs: [{ ip: hostIP }],
      ...(this.ip ? { podIP: this.ip, podIPs: [{ ip: this.ip }] } : {}),
      ...(this.startTime ? { startTime: this.startTime.replace(/\.\d+Z$/, 'Z') } : {}),
      containerStatuses,
      ...(initContainerStatuses.length ? { initContainerStatuses } : {}),
    };
  }
}
