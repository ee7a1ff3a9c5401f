import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import type { TestProject } from 'vitest/node';
import { up } from '../../src/devcluster/index.js';

/**
 * Starts one real local cluster for the whole e2e run (2 local nodes, 1 simulated), or uses the one
 * `CAPSTAN_KUBECONFIG` points at. The cluster is attached to this process: if the run is killed, the
 * cluster stops itself.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.CAPSTAN_KUBECONFIG;
  if (given) {
    project.provide('kubeconfig', path.resolve(given));
    const stateDir = path.dirname(path.resolve(given));
    project.provide('clusterStateDir', fs.existsSync(path.join(stateDir, 'cluster.json')) ? stateDir : '');
    return async () => {};
  }
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'capstan-e2e-'));
  const started = Date.now();
  const cluster = await up({ stateDir, nodes: 2, simulatedNodes: 1 }, (line) => process.stderr.write(`[devcluster] ${line}\n`), true);
  process.stderr.write(`[devcluster] test cluster ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${cluster.state.kubeconfig}\n`);
  project.provide('kubeconfig', cluster.state.kubeconfig);
  project.provide('clusterStateDir', stateDir);
  return async () => {
    await cluster.stop();
  };
}
