/**
 * Writes the benchmark's apply set: `objects` objects (ConfigMaps, Deployments and Services in
 * equal shares) spread over `namespaces` namespaces, one YAML file per namespace.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Writes the set into `dir` (emptied first). */
export async function generateSet(dir: string, prefix: string, objects: number, namespaces: number): Promise<string[]> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const names: string[] = [];
  const perNamespace = Math.ceil(objects / namespaces);
  let written = 0;
  for (let n = 0; n < namespaces; n++) {
    const ns = `${prefix}-${n}`;
    names.push(ns);
    const docs: string[] = [];
    for (let i = 0; i < perNamespace && written < objects; i++, written++) {
      const kind = i % 3;
      const name = `obj-${i}`;
      if (kind === 0) docs.push(configMap(ns, name, i));
      else if (kind === 1) docs.push(deployment(ns, name, i));
      else docs.push(service(ns, name));
    }
    await writeFile(join(dir, `${ns}.yaml`), docs.join('---\n'));
  }
  return names;
}

const configMap = (ns: string, name: string, i: number) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  namespace: ${ns}
  labels: {app: ${name}, bench: apply}
data:
  index: "${i}"
  config.yaml: |
    listen: 8080
    mode: bench
`;

// replicas: 0 keeps 330 Deployments from starting pods on the shared dev cluster.
const deployment = (ns: string, name: string, i: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
  labels: {app: ${name}, bench: apply}
spec:
  replicas: 0
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: app
        image: registry.local/svc:${i}
        ports: [{containerPort: 8080}]
        env: [{name: INDEX, value: "${i}"}]
        resources:
          requests: {cpu: 100m, memory: 64Mi}
`;

const service = (ns: string, name: string) => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${ns}
  labels: {app: ${name}, bench: apply}
spec:
  selector: {app: ${name}}
  ports: [{port: 80, targetPort: 8080}]
`;
