/**
 * Writes a cdk8s project whose app synthesizes `objects` objects (one Namespace, then
 * Workloads of a ConfigMap, a Deployment and a Service each), for the synth benchmark.
 */
import { mkdir, symlink, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Creates the project in `dir` and returns the path of its cdk8s.yaml. */
export async function generateApp(dir: string, repo: string, objects: number): Promise<string> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await symlink(join(repo, 'node_modules'), join(dir, 'node_modules'));
  const workloads = Math.floor((objects - 1) / 3);
  const extra = objects - 1 - workloads * 3; // filled with plain ConfigMaps
  const constructs = JSON.stringify(join(repo, 'src/constructs/index.js'));
  const main = `import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, ApiObject, Chart, type AppProps } from 'cdk8s';
import { ClusterScopedObject, Workload } from ${constructs};

export function createApp(props: AppProps = {}): App {
  const app = new App(props);
  const chart = new Chart(app, 'big', { namespace: 'bench' });
  new ClusterScopedObject(chart, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
  for (let i = 0; i < ${workloads}; i++) {
    new Workload(chart, \`svc-\${i}\`, {
      image: \`registry.local/svc:\${i}\`,
      ports: [8080],
      env: { INDEX: String(i), MODE: 'bench' },
      healthcheck: { http: { path: '/healthz' } },
      configFiles: { '/etc/svc/config.yaml': \`index: \${i}\\n\` },
    });
  }
  for (let i = 0; i < ${extra}; i++) {
    new ApiObject(chart, \`extra-\${i}\`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: \`extra-\${i}\` }, data: { i: String(i) } });
  }
  return app;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) createApp().synth();
`;
  await writeFile(join(dir, 'main.ts'), main);
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'capstan-bench-app', private: true, type: 'module' }, null, 2));
  await writeFile(join(dir, 'cdk8s.yaml'), 'language: typescript\napp: npx tsx main.ts\noutput: dist\n');
  return join(dir, 'cdk8s.yaml');
}
