import { describe, expect, it } from 'vitest';
import { Testing } from 'cdk8s';
import { createApp } from './readme-example.js';

describe('the README example', () => {
  it('synthesizes the workloads, the Shelf, its CRD and its operator install', () => {
    const app = createApp({ outdir: Testing.app().outdir });
    const objects = app.charts.flatMap((c) => c.toJson()) as { kind: string; metadata: { name: string; annotations?: Record<string, string> } }[];
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/web-config', 'CustomResourceDefinition/shelves.books.example.com', 'Deployment/shelf-operator', 'Deployment/web',
      'PodDisruptionBudget/shelf-operator', 'Role/shelf-operator', 'RoleBinding/shelf-operator', 'Service/db', 'Service/shelf-operator-metrics',
      'Service/web', 'ServiceAccount/shelf-operator', 'Shelf/classics', 'StatefulSet/db',
    ]);
    const web = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'web')!;
    expect(web.metadata.annotations?.['capstan.dev/depends-on']).toBe('library/Shelf.books.example.com/classics,library/StatefulSet.apps/db');
  });
});
