/**
 * The sample operator the controller e2e tests and benchmark run: a cluster-scoped
 * ConfigMapMirror copies one source ConfigMap into a list of target namespaces, owns the copies,
 * reports Ready with observedGeneration, and removes the copies behind a finalizer.
 */
import type { KubeClient, KubeObject } from '../../../src/k8s/index.js';
import {
  defineKind, hasFinalizer, isDeleting, keyOf, Kinds,
  type Kind, type Manager, type ReconcileContext, type Request, type Result,
} from '../../../src/controller/index.js';

export const GROUP = 'controller-e2e.capstan.dev';
export const MirrorKind: Kind = defineKind(`${GROUP}/v1`, 'ConfigMapMirror', { resource: 'configmapmirrors', namespaced: false });
export const FINALIZER = `${GROUP}/cleanup`;
/** Label on every copy: the name of the mirror that made it. */
export const COPY_LABEL = `${GROUP}/mirror`;
/** Label the tests put on their mirrors, so each manager only sees its own run's mirrors. */
export const RUN_LABEL = `${GROUP}/run`;

export interface Mirror extends KubeObject {
  spec: { source: { namespace: string; name: string }; targets: string[]; requeueAfterSeconds?: number; data?: Record<string, string> };
  status?: { copies?: number; observedGeneration?: number; conditions?: { type: string; status: string; observedGeneration?: number; reason: string; lastTransitionTime: string }[] };
}

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `configmapmirrors.${GROUP}` },
  spec: {
    group: GROUP,
    scope: 'Cluster',
    names: { plural: 'configmapmirrors', singular: 'configmapmirror', kind: 'ConfigMapMirror', listKind: 'ConfigMapMirrorList' },
    versions: [{
      name: 'v1', served: true, storage: true,
      subresources: { status: {} },
      schema: {
        openAPIV3Schema: {
          type: 'object',
          properties: {
            spec: {
              type: 'object',
              required: ['source', 'targets'],
              properties: {
                source: { type: 'object', required: ['namespace', 'name'], properties: { namespace: { type: 'string' }, name: { type: 'string' } } },
                targets: { type: 'array', items: { type: 'string' } },
                requeueAfterSeconds: { type: 'number' },
                data: { type: 'object', additionalProperties: { type: 'string' } },
              },
            },
            status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          },
        },
      },
    }],
  },
};

/** Installs (server-side applies) the ConfigMapMirror CRD and waits until it is Established. */
export async function installMirrorCrd(client: KubeClient): Promise<void> {
  const ref = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', name: CRD.metadata.name };
  await client.apply(ref, CRD, { fieldManager: 'capstan-controller-e2e', force: true });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const crd = await client.get<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(ref);
    if (crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
    if (Date.now() > deadline) throw new Error(`CRD ${CRD.metadata.name} not Established after 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // Discovery of a new group can lag behind Established: wait until the resource answers.
  for (;;) {
    try {
      await client.list({ group: GROUP, version: 'v1', resource: 'configmapmirrors' }, { limit: 1 });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** What the tests observe of the operator from the inside. */
export interface MirrorHooks {
  onReconcile?(req: Request, mirror: Mirror | undefined): void | Promise<void>;
  onCleanup?(mirror: Mirror): void | Promise<void>;
}

/** Adds the mirror controller to `mgr`, for mirrors labelled `run=<run>` whose sources live in `sourceNamespace`. */
export function addMirrorController(mgr: Manager, options: { run: string; sourceNamespace?: string; maxConcurrentReconciles?: number; hooks?: MirrorHooks }): void {
  const forScope = { labelSelector: `${RUN_LABEL}=${options.run}` };
  const sources = mgr.informers.informerFor(Kinds.ConfigMap, { namespace: options.sourceNamespace });
  const copiesScope = { labelSelector: COPY_LABEL };
  const copies = mgr.informers.informerFor(Kinds.ConfigMap, copiesScope);
  const mirrors = mgr.informers.informerFor<Mirror>(MirrorKind, forScope);
  mirrors.store.addIndex('source', (m) => [keyOf(m.spec.source.namespace, m.spec.source.name)]);
  const hooks = options.hooks ?? {};

  mgr.controller<Mirror>('configmapmirror')
    .for(MirrorKind, forScope)
    .owns(Kinds.ConfigMap, copiesScope)
    .watches(Kinds.ConfigMap, (cm) => mirrors.store.byIndex('source', keyOf(cm.metadata.namespace, cm.metadata.name!)).map((m) => ({ name: m.metadata.name! })), { namespace: options.sourceNamespace })
    .withOptions({ maxConcurrentReconciles: options.maxConcurrentReconciles ?? 4 })
    .complete(async (req, ctx: ReconcileContext<Mirror>): Promise<Result | void> => {
      const mirror = ctx.object;
      await hooks.onReconcile?.(req, mirror);
      if (!mirror) return;
      const mine = copies.store.list({ labelSelector: `${COPY_LABEL}=${mirror.metadata.name}` });
      if (isDeleting(mirror)) {
        if (!hasFinalizer(mirror, FINALIZER)) return;
        await hooks.onCleanup?.(mirror);
        for (const c of mine) await ctx.client.delete({ group: '', version: 'v1', resource: 'configmaps', namespace: c.metadata.namespace, name: c.metadata.name });
        await ctx.record({ reason: 'CopiesRemoved', action: 'Delete', note: `removed ${mine.length} copies` });
        await ctx.removeFinalizer(FINALIZER);
        return;
      }
      if (!hasFinalizer(mirror, FINALIZER)) {
        await ctx.addFinalizer(FINALIZER);
        return;
      }
      const { source, targets } = mirror.spec;
      const src = sources.store.getByName(source.namespace, source.name);
      if (!src) {
        await ctx.updateStatus([{ type: 'Ready', status: 'False', reason: 'SourceMissing', message: `ConfigMap ${source.namespace}/${source.name} does not exist` }]);
        throw new Error(`source ConfigMap ${source.namespace}/${source.name} of mirror ${mirror.metadata.name} does not exist; create it`);
      }
      for (const ns of targets) {
        await ctx.apply(Kinds.ConfigMap, { metadata: { name: source.name, namespace: ns, labels: { [COPY_LABEL]: mirror.metadata.name! } }, data: { ...(src.data as Record<string, string> | undefined), ...mirror.spec.data } });
      }
      for (const c of mine) {
        if (!targets.includes(c.metadata.namespace!)) await ctx.client.delete({ group: '', version: 'v1', resource: 'configmaps', namespace: c.metadata.namespace, name: c.metadata.name });
      }
      const wasReady = mirror.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      await ctx.updateStatus([{ type: 'Ready', status: 'True', reason: 'Mirrored', message: `${targets.length} copies` }], { copies: targets.length });
      if (!wasReady) await ctx.record({ reason: 'Mirrored', action: 'Apply', note: `copied ${source.namespace}/${source.name} into ${targets.length} namespaces` });
      if (mirror.spec.requeueAfterSeconds) return { requeueAfter: mirror.spec.requeueAfterSeconds * 1000 };
    });
}

/** A ConfigMapMirror manifest. */
export function mirror(name: string, run: string, spec: Mirror['spec']): Mirror {
  return { apiVersion: MirrorKind.apiVersion, kind: MirrorKind.kind, metadata: { name, labels: { [RUN_LABEL]: run } }, spec };
}
