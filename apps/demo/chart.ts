import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { ClusterScopedObject, Workload, customResourceClass } from '../../src/constructs/index.js';
import { GreetingType, greeterOperator } from './greeting.js';

/** `new Greeting(chart, 'hello', { message: 'hi' })`: the resource, its CRD and its operator. */
export class Greeting extends customResourceClass(GreetingType, greeterOperator) {}

/**
 * The demo app: a Redis with a persistent volume, a web front end that waits for it, and two
 * Greetings served by one `greeter` operator in the namespace.
 */
export class DemoChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps & { namespace: string }) {
    super(scope, id, props);
    new ClusterScopedObject(this, 'namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: props.namespace } });

    const redis = new Workload(this, 'redis', {
      image: 'redis:7.4-alpine',
      ports: [6379],
      args: ['--appendonly', 'yes'],
      volumes: [{ name: 'data', mountPath: '/data', size: '1Gi' }],
      healthcheck: { command: ['redis-cli', 'ping'], interval: 5, retries: 5 },
    });

    new Workload(this, 'web', {
      image: 'ghcr.io/capstan-dev/guestbook:1.0.0',
      replicas: 2,
      ports: [{ port: 80, targetPort: 8080 }],
      env: { REDIS_ADDR: 'redis:6379', LOG_LEVEL: 'info' },
      healthcheck: { http: { path: '/healthz' }, startPeriod: 10 },
      dependsOn: [redis],
      configFiles: { '/etc/guestbook/config.yaml': 'title: Capstan guestbook\nentriesPerPage: 20\n' },
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
    });

    new Greeting(this, 'hello', { message: 'Hello from Capstan', replicas: 2 });
    new Greeting(this, 'bonjour', { message: 'Bonjour', language: 'fr' });
  }
}
