// The "write your own app" example of the README, kept compiling and synthesizing by readme-example.test.ts.
import { App, Chart } from 'cdk8s';
import { Type } from '@sinclair/typebox';
import { Defaulted, Workload, customResourceClass, defineCustomResource, defineOperator } from '../../../src/constructs/index.js';
import { Kinds, type Manager } from '../../../src/controller/index.js';

// 1. One schema: the CRD, the construct props and the operator's view all come from it.
export const ShelfType = defineCustomResource({
  group: 'books.example.com', version: 'v1', kind: 'Shelf', plural: 'shelves',
  spec: Type.Object({
    books: Type.Array(Type.String({ minLength: 1 }), { maxItems: 100 }),
    sort: Defaulted(Type.Union([Type.Literal('title'), Type.Literal('author')]), 'title'),
  }),
  status: Type.Object({ count: Type.Optional(Type.Integer()) }),
  printerColumns: [{ name: 'Books', type: 'integer', jsonPath: '.status.count' }],
});

// 2. The operator: what it reconciles and owns; RBAC, Deployment, Service, PDB follow from it.
export const shelfOperator = defineOperator({ name: 'shelf', reconciles: [ShelfType], owns: [{ apiVersion: 'v1', kind: 'ConfigMap' }] });
export class Shelf extends customResourceClass(ShelfType, shelfOperator) {}

// 3. The reconciler, run in the cluster by `capstan operator shelf`.
export function registerShelf(mgr: Manager): void {
  mgr.controller('shelf').for(ShelfType).owns(Kinds.ConfigMap).complete(async (req, ctx) => {
    if (!ctx.object) return;
    const shelf = ShelfType.view(ctx.object); // typed; `sort` is always there
    const books = [...shelf.spec.books].sort();
    await ctx.apply(Kinds.ConfigMap, {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: `${req.name}-index`, namespace: req.namespace },
      data: { [`by-${shelf.spec.sort}.txt`]: books.join('\n') },
    });
    await ctx.updateStatus([{ type: 'Ready', status: 'True', reason: 'Indexed' }], { count: books.length });
  });
}

// 4. The app: a Compose-like web front end plus a Shelf, in one namespace.
export function createApp(props = {}): App {
  const app = new App(props);
  const chart = new Chart(app, 'library', { namespace: 'library' });
  const db = new Workload(chart, 'db', {
    image: 'postgres:16', ports: [5432],
    env: { POSTGRES_PASSWORD: { secret: 'db', key: 'password' } },
    volumes: [{ name: 'data', mountPath: '/var/lib/postgresql/data', size: '5Gi' }],
    healthcheck: { command: ['pg_isready'], interval: 5 },
  });
  const shelf = new Shelf(chart, 'classics', { books: ['Dune', 'Emma'] });
  new Workload(chart, 'web', {
    image: 'example/library-web:1.0', replicas: 2, ports: [{ port: 80, targetPort: 3000 }],
    env: { DATABASE_HOST: 'db' }, healthcheck: { http: { path: '/healthz' } },
    dependsOn: [db, shelf], configFiles: { '/app/config.json': '{"shelf":"classics"}' },
  });
  return app;
}
