/**
 * Measures the local cluster: `capstan dev up` to all nodes Ready with cached binaries (median of N),
 * beside `kwokctl create cluster` with the same binaries in the same run when kwokctl is available,
 * and the resident memory of each control-plane process once the cluster is up.
 *
 *   npm run build && npx tsx bench/devcluster/run.ts [--runs 5] [--kwokctl PATH]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { groupProcesses, median, rssMiB, seconds, timed } from '../lib.js';
import { readState } from '../../src/devcluster/state.js';
import { ensureBinaries } from '../../src/devcluster/build.js';
import { cacheRoot } from '../../src/devcluster/paths.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, kwokctl: { type: 'string', default: path.join(cacheRoot(), 'bench-tools', 'kwokctl') } } });
const runs = Number(values.runs);
const cli = path.resolve('bin/capstan.js');
const binaries = await ensureBinaries();

const upTimes: number[] = [];
const readyTimes: number[] = [];
let memory: { name: string; mib: number }[] = [];
for (let i = 0; i < runs; i++) {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'capstan-bench-'));
  upTimes.push(timed(process.execPath, [cli, 'dev', 'up', '--state-dir', stateDir, '--nodes', '1', '--simulated-nodes', '1']));
  const state = readState(stateDir)!;
  readyTimes.push(state.readyAfterMs!);
  if (i === 0) {
    await new Promise((r) => setTimeout(r, 10_000));
    memory = groupProcesses(state.pid).map((p) => ({ name: p.name, mib: rssMiB(p.pid) }));
  }
  timed(process.execPath, [cli, 'dev', 'down', '--state-dir', stateDir]);
}

const kwokTimes: number[] = [];
if (fs.existsSync(values.kwokctl)) {
  for (let i = 0; i < runs; i++) {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kwokctl-bench-'));
    const config = path.join(work, 'kwokctl.yaml');
    const b = binaries.path.bind(binaries);
    fs.writeFileSync(config, [
      'apiVersion: config.kwok.x-k8s.io/v1alpha1', 'kind: KwokctlConfiguration', 'options:', '  runtime: binary', '  bindAddress: 127.0.0.1',
      `  kubeApiserverBinary: ${b('kube-apiserver')}`, `  kubeControllerManagerBinary: ${b('kube-controller-manager')}`, `  kubeSchedulerBinary: ${b('kube-scheduler')}`,
      `  kubectlBinary: ${b('kubectl')}`, `  etcdBinary: ${b('etcd')}`, `  kwokControllerBinary: ${b('kwok')}`, '',
    ].join('\n'));
    const env = { ...process.env, KWOK_WORKDIR: work };
    const name = `bench${i}`;
    const ms = timed(values.kwokctl, ['-c', config, 'create', 'cluster', '--name', name, '--wait', '2m'], env);
    timed(values.kwokctl, ['--name', name, 'scale', 'node', '--replicas', '1'], env);
    kwokTimes.push(ms);
    timed(values.kwokctl, ['--name', name, 'delete', 'cluster'], env);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

const lines = [
  `runs: ${runs}, machine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${new Date().toISOString().slice(0, 10)}`,
  '',
  '| measurement | median | all runs |',
  '|---|---|---|',
  `| \`capstan dev up\` → all nodes Ready (1 local + 1 simulated), command wall time | ${seconds(median(upTimes))} | ${upTimes.map(seconds).join(', ')} |`,
  `| … of which the supervisor's start → all nodes Ready | ${seconds(median(readyTimes))} | ${readyTimes.map(seconds).join(', ')} |`,
  kwokTimes.length
    ? `| \`kwokctl create cluster --wait\` (binary runtime, same binaries, no real node) | ${seconds(median(kwokTimes))} | ${kwokTimes.map(seconds).join(', ')} |`
    : '| `kwokctl create cluster` | not run (kwokctl not found) | |',
  '',
  '| process (10 s after Ready) | RSS |',
  '|---|---|',
  ...memory.map((m) => `| ${m.name} | ${m.mib.toFixed(0)} MiB |`),
  `| total | ${memory.reduce((a, m) => a + m.mib, 0).toFixed(0)} MiB |`,
];
console.log(lines.join('\n'));
