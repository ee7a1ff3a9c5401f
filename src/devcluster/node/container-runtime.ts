import fs from 'node:fs/promises';
import path from 'node:path';
import type { NodeContext } from './context.js';
import { ContainerProcess, type Exit } from './container.js';
import { containerEnv, expand } from './env.js';
import { appImageProgram, resolveAppImage } from '../apps/index.js';
import { lookupImage, resolveArgv, resolveProgram, type ImageProgram } from './images.js';
import { runProbe } from './probes.js';
import type { Container, ContainerState, ContainerStatus, Pod, Probe } from './types.js';
import { containerMounts } from './volumes.js';

/** Containers see the host's PATH: the programs they run are the host's. */
const hostPath = process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Restart back-off: 1 s doubling to 30 s (the kubelet uses 10 s to 5 min; a dev cluster wants quick retries). */
export function restartDelayMs(restarts: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, restarts - 1));
}

/** Whether a container that exited with `exitCode` is started again under the pod's restartPolicy. */
export function shouldRestart(policy: Pod['spec']['restartPolicy'], exitCode: number): boolean {
  if (policy === 'Never') return false;
  if (policy === 'OnFailure') return exitCode !== 0;
  return true;
}

/**
 * One container of a pod on the local node: runs it as a process (or simulates it when its image has no
 * local program), restarts it under the pod's policy with back-off, runs its probes, and reports its status.
 */
export class ContainerRuntime {
  restartCount = 0;
  state: ContainerState = { waiting: { reason: 'ContainerCreating' } };
  lastState: ContainerState = {};
  ready = false;
  started = false;
  /** Set when the image has no local program: the container is simulated. */
  simulated: boolean;
  private process: ContainerProcess | undefined;
  private env: Record<string, string> = {};
  private program: ImageProgram | undefined;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private startedOk = false;
  private probeCounts = new Map<Probe, { ok: number; failed: number }>();

  constructor(
    private readonly ctx: NodeContext,
    private readonly pod: () => Pod,
    readonly spec: Container,
    private readonly init: boolean,
    private readonly podDir: string,
    private readonly volumeDirs: Map<string, string>,
    private readonly netns: string | undefined,
    private readonly changed: () => void,
    /** Called when an init container completes successfully, or any container stops for good. */
    private readonly finished: (exit: Exit) => void,
  ) {
    this.program = lookupImage(ctx.images, spec.image);
    this.simulated = !this.program || !resolveArgv(this.program, spec.command, spec.args);
  }

  /** The log file of the current (or a previous) run. */
  logFile(restart = this.restartCount): string {
    return path.join(this.podDir, 'logs', this.spec.name, `${restart}.log`);
  }

  /** Starts the container (the first run). */
  async start(): Promise<void> {
    if (!(await this.resolveAppImage())) return;
    if (this.simulated) {
      const why = this.program
        ? `image "${this.spec.image}" has no entrypoint on the local node and the container sets no command`
        : `image "${this.spec.image}" has no local program`;
      this.ctx.event(this.pod(), 'Normal', 'Simulated', `${why}: simulating container "${this.spec.name}" as Running and Ready, as kwok does (add the image to the image map to run it for real)`);
      this.state = { running: { startedAt: new Date().toISOString() } };
      this.started = true;
      this.ready = true;
      this.changed();
      return;
    }
    await this.run();
  }

  /**
   * Images an app runtime serves run the version their tag names from the cache, or not at all: a
   * version that is not built waits with a Warning, never falling back to another version or to
   * simulation. Returns whether the container may start now; it checks again every 10 s.
   */
  private async resolveAppImage(): Promise<boolean> {
    const app = resolveAppImage(this.spec.image);
    if (!app || this.stopped) return !this.stopped;
    const found = await appImageProgram(app, this.spec.image);
    if ('program' in found) {
      this.program = found.program;
      this.simulated = !resolveArgv(found.program, this.spec.command, this.spec.args);
      return true;
    }
    if (this.state.waiting?.reason !== 'ImageNotBuilt') this.ctx.event(this.pod(), 'Warning', 'ImageNotBuilt', found.notBuilt);
    this.state = { waiting: { reason: 'ImageNotBuilt', message: found.notBuilt } };
    this.changed();
    this.schedule(() => void this.start(), 10_000);
    return false;
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    const pod = this.pod();
    try {
      this.env = await containerEnv(pod, this.spec, { ...this.ctx.baseEnv, HOSTNAME: pod.spec.hostname ?? pod.metadata.name! }, this.ctx.data);
      const mounts = await containerMounts(this.spec, this.volumeDirs);
      const argv = resolveArgv(this.program!, this.spec.command, this.spec.args)!.map((a) => expand(a, this.env));
      const logFile = this.logFile();
      await fs.mkdir(path.dirname(logFile), { recursive: true });
      const env = { PATH: hostPath, ...this.env };
      this.process = new ContainerProcess({ netns: this.netns, argv, env, mounts, workingDir: this.spec.workingDir, logFile });
    } catch (err) {
      this.state = { waiting: { reason: 'CreateContainerConfigError', message: (err as Error).message } };
      this.ctx.event(pod, 'Warning', 'Failed', `Error: ${(err as Error).message}`);
      this.changed();
      this.schedule(() => void this.run(), 5000);
      return;
    }
    const proc = this.process;
    this.state = { running: { startedAt: proc.startedAt } };
    this.ctx.event(pod, 'Normal', 'Started', `Started container ${this.spec.name}`);
    this.startedOk = false;
    this.started = !this.spec.startupProbe;
    this.ready = !this.init && !this.spec.readinessProbe && this.started;
    this.probeCounts.clear();
    this.changed();
    if (!this.init) this.startProbes(proc);
    const exit = await proc.exited;
    this.onExit(proc, exit);
  }

  private onExit(proc: ContainerProcess, exit: Exit): void {
    this.clearTimers();
    if (this.process !== proc) return;
    const terminated = { terminated: { exitCode: exit.exitCode, ...(exit.signal !== undefined ? { signal: exit.signal } : {}), reason: exit.reason, startedAt: proc.startedAt, finishedAt: exit.finishedAt } };
    this.ready = false;
    this.started = false;
    if (this.stopped) {
      this.state = terminated;
      this.changed();
      return;
    }
    const policy = this.pod().spec.restartPolicy ?? 'Always';
    const restart = this.init ? exit.exitCode !== 0 && policy !== 'Never' : shouldRestart(policy, exit.exitCode);
    if (!restart) {
      this.state = terminated;
      this.changed();
      this.finished(exit);
      return;
    }
    this.lastState = terminated;
    this.restartCount++;
    const delay = restartDelayMs(this.restartCount);
    this.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${this.spec.name} pod=${this.pod().metadata.name}` } };
    this.ctx.event(this.pod(), 'Warning', 'BackOff', `Back-off restarting failed container ${this.spec.name} (exit code ${exit.exitCode})`);
    this.changed();
    this.schedule(() => void this.run(), delay);
  }

  private startProbes(proc: ContainerProcess): void {
    if (this.spec.startupProbe) this.loop(proc, this.spec.startupProbe, 'Startup');
    else this.afterStartup(proc);
  }

  private afterStartup(proc: ContainerProcess): void {
    this.started = true;
    if (this.spec.readinessProbe) this.loop(proc, this.spec.readinessProbe, 'Readiness');
    else this.ready = true;
    if (this.spec.livenessProbe) this.loop(proc, this.spec.livenessProbe, 'Liveness');
    this.changed();
  }

  private loop(proc: ContainerProcess, probe: Probe, kind: 'Startup' | 'Readiness' | 'Liveness'): void {
    const period = (probe.periodSeconds ?? 10) * 1000;
    const tick = async () => {
      if (this.process !== proc || this.stopped) return;
      const pod = this.pod();
      const result = await runProbe(probe, this.spec, {
        podIp: pod.status?.podIP ?? '127.0.0.1',
        pid: this.netns ? proc.pid : undefined,
        env: { PATH: hostPath, ...this.env },
        resolve: (argv) => [...resolveProgram(this.program!, argv[0]!), ...argv.slice(1)],
      }).catch((err: Error) => ({ ok: false, message: err.message }));
      if (this.process !== proc || this.stopped) return;
      const counts = this.probeCounts.get(probe) ?? { ok: 0, failed: 0 };
      this.probeCounts.set(probe, counts);
      if (result.ok) {
        counts.ok++;
        counts.failed = 0;
      } else {
        counts.failed++;
        counts.ok = 0;
        this.ctx.event(pod, 'Warning', 'Unhealthy', `${kind} probe failed: ${result.message}`);
      }
      const success = counts.ok >= (kind === 'Readiness' ? probe.successThreshold ?? 1 : 1);
      const failure = counts.failed >= (probe.failureThreshold ?? 3);
      if (kind === 'Startup') {
        if (success && !this.startedOk) {
          this.startedOk = true;
          this.afterStartup(proc);
          return;
        }
        if (failure) return this.kill(proc, `Container ${this.spec.name} failed startup probe, will be restarted`);
      } else if (kind === 'Readiness') {
        const ready = success ? true : failure ? false : this.ready;
        if (ready !== this.ready) {
          this.ready = ready;
          this.changed();
        }
      } else if (failure) {
        return this.kill(proc, `Container ${this.spec.name} failed liveness probe, will be restarted`);
      }
      this.schedule(() => void tick(), period);
    };
    this.schedule(() => void tick(), (probe.initialDelaySeconds ?? 0) * 1000);
  }

  private kill(proc: ContainerProcess, message: string): void {
    this.ctx.event(this.pod(), 'Normal', 'Killing', message);
    void proc.stop(this.pod().spec.terminationGracePeriodSeconds ?? 30);
  }

  /** Stops the container for good (pod deletion): SIGTERM, grace period, SIGKILL. */
  async stop(graceSeconds: number): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    if (this.process && !this.state.terminated) {
      this.ctx.event(this.pod(), 'Normal', 'Killing', `Stopping container ${this.spec.name}`);
      await this.process.stop(graceSeconds);
    }
    if (this.simulated) this.state = { terminated: { exitCode: 0, reason: 'Completed', finishedAt: new Date().toISOString() } };
  }

  /** The container's entry in the pod's status. */
  status(podUid: string): ContainerStatus {
    return {
      name: this.spec.name,
      image: this.spec.image,
      imageID: `capstan-local://${this.spec.image}`,
      ...(this.state.waiting && this.restartCount === 0 ? {} : { containerID: `capstan://${podUid.slice(0, 8)}-${this.spec.name}-${this.restartCount}` }),
      ready: this.ready,
      started: this.started,
      restartCount: this.restartCount,
      state: this.state,
      lastState: this.lastState,
    };
  }

  private schedule(fn: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.timers = this.timers.filter((t) => t !== timer);
      fn();
    }, ms);
    this.timers.push(timer);
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }
}
