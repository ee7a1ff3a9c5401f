import type { KubeObject } from '../../src/k8s/index.js';
import { Kinds, type Manager } from '../../src/controller/index.js';
import { GreetingType } from './greeting.js';

/** The port each greeting's web server listens on. */
const port = 8080;

/**
 * The `greeter` operator: each Greeting gets a ConfigMap holding its message as `index.html`, a
 * Deployment of small web servers serving it, and a Service in front; the status reports the ready
 * replicas, the selector (for `kubectl scale`) and the URL.
 */
export function registerGreeter(manager: Manager): void {
  manager.controller('greeting').for(GreetingType).owns(Kinds.ConfigMap).owns(Kinds.Deployment).owns(Kinds.Service).complete(async (req, ctx) => {
    if (!ctx.object) return; // deleted: its children go with it through their owner references
    const greeting = GreetingType.view(ctx.object);
    const labels = { 'app.kubernetes.io/name': 'greeting', 'app.kubernetes.io/instance': req.name };
    await ctx.apply(Kinds.ConfigMap, {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: `${req.name}-greeting`, namespace: req.namespace, labels },
      data: { 'index.html': `${greeting.spec.message}\n` },
    });
    const deployment = await ctx.apply<KubeObject & { status?: { readyReplicas?: number } }>(Kinds.Deployment, {
      apiVersion: 'apps/v1', kind: 'Deployment',
      metadata: { name: req.name, namespace: req.namespace, labels },
      spec: {
        replicas: greeting.spec.replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels, annotations: { 'demo.capstan.dev/language': greeting.spec.language } },
          spec: {
            terminationGracePeriodSeconds: 5,
            containers: [{
              name: 'web',
              image: 'python:3.12-alpine',
              command: ['python3', '-m', 'http.server', String(port), '--directory', '/srv/greeting'],
              ports: [{ name: 'http', containerPort: port }],
              readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 2 },
              volumeMounts: [{ name: 'greeting', mountPath: '/srv/greeting', readOnly: true }],
            }],
            volumes: [{ name: 'greeting', configMap: { name: `${req.name}-greeting` } }],
          },
        },
      },
    });
    await ctx.apply(Kinds.Service, {
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: req.name, namespace: req.namespace, labels },
      spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
    const ready = deployment.status?.readyReplicas ?? 0;
    const converged = ready === greeting.spec.replicas;
    await ctx.updateStatus(
      [{ type: 'Ready', status: converged ? 'True' : 'False', reason: converged ? 'Serving' : 'RollingOut', message: `${ready}/${greeting.spec.replicas} replicas ready` }],
      { replicas: ready, selector: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(','), url: `http://${req.name}.${req.namespace}.svc` },
    );
    // Deployment status changes come back through owns(); a slow rollout is also looked at again.
    return converged ? undefined : { requeueAfter: 5000 };
  });
}
