import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { spawn } from 'node:child_process';
import type { Container, Probe } from './types.js';

/** Where a probe runs: the pod's IP and, for exec probes, the container's pid and environment. */
export interface ProbeTarget {
  podIp: string;
  pid: number | undefined;
  env: Record<string, string>;
  /** Resolves a program named by an exec probe to local argv. */
  resolve: (argv: string[]) => string[];
}

/** The outcome of one probe run, with a message for Events when it failed. */
export interface ProbeResult {
  ok: boolean;
  message: string;
}

/** Runs one probe of a container once, as the kubelet does (http 200-399, tcp connect, exec exit 0). */
export async function runProbe(probe: Probe, container: Container, target: ProbeTarget): Promise<ProbeResult> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.exec) return execProbe(target.resolve(probe.exec.command), target, timeoutMs);
  if (probe.httpGet) {
    const port = portOf(probe.httpGet.port, container);
    return httpProbe(probe.httpGet.scheme ?? 'HTTP', probe.httpGet.host ?? target.podIp, port, probe.httpGet.path ?? '/', probe.httpGet.httpHeaders ?? [], timeoutMs);
  }
  const tcpPort = probe.tcpSocket?.port ?? probe.grpc?.port;
  if (tcpPort !== undefined) return tcpProbe(probe.tcpSocket?.host ?? target.podIp, portOf(tcpPort, container), timeoutMs);
  return { ok: false, message: 'probe has no handler (exec, httpGet, tcpSocket or grpc)' };
}

function portOf(port: number | string, container: Container): number {
  if (typeof port === 'number') return port;
  const named = container.ports?.find((p) => p.name === port);
  if (named) return named.containerPort;
  const n = Number(port);
  if (Number.isInteger(n)) return n;
  throw new Error(`probe names port "${port}", which container "${container.name}" does not declare`);
}

function execProbe(argv: string[], target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const [command, args] = target.pid ? ['nsenter', ['--target', String(target.pid), '--net', '--mount', '--', ...argv]] : [argv[0]!, argv.slice(1)];
    const child = spawn(command, args as string[], { env: target.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => resolve({ ok: false, message: err.message }));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, message: code === null ? `timed out after ${timeoutMs} ms` : `exit code ${code}: ${output.trim().slice(0, 300)}` });
    });
  });
}

function httpProbe(scheme: 'HTTP' | 'HTTPS', host: string, port: number, path: string, headers: { name: string; value: string }[], timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const mod = scheme === 'HTTPS' ? https : http;
    const req = mod.get({ host, port, path, timeout: timeoutMs, rejectUnauthorized: false, headers: Object.fromEntries(headers.map((h) => [h.name, h.value])) }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve({ ok: code >= 200 && code < 400, message: `HTTP probe failed with statuscode: ${code}` });
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ ok: false, message: `Get "${scheme.toLowerCase()}://${host}:${port}${path}": ${err.message}` }));
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    socket.on('connect', () => {
      socket.destroy();
      resolve({ ok: true, message: '' });
    });
    socket.on('timeout', () => socket.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    socket.on('error', (err) => resolve({ ok: false, message: `dial tcp ${host}:${port}: ${err.message}` }));
  });
}
