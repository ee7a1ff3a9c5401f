// The "write an operator" example of the README, kept compiling by `npm test`'s type check.
import { KubeClient, type KubeObject } from '../../../src/k8s/index.js';
import { defineKind, hasFinalizer, isDeleting, Kinds, Manager, type Reconciler } from '../../../src/controller/index.js';

/** A Greeting asks for a ConfigMap holding its message. */
interface Greeting extends KubeObject {
  spec: { message: string };
}
const GreetingKind = defineKind('demo.capstan.dev/v1', 'Greeting'); // plural "greetings", namespaced
const FINALIZER = 'demo.capstan.dev/farewell';

const reconcile: Reconciler<Greeting> = async (req, ctx) => {
  const greeting = ctx.object;
  if (!greeting) return; // deleted: its ConfigMap goes with it (owner reference)
  if (isDeleting(greeting)) {
    await ctx.record({ reason: 'Farewell', action: 'Delete', note: `goodbye from ${req.name}` });
    await ctx.removeFinalizer(FINALIZER);
    return;
  }
  if (!hasFinalizer(greeting, FINALIZER)) {
    await ctx.addFinalizer(FINALIZER); // the update event brings us back here
    return;
  }
  if (!greeting.spec.message) {
    await ctx.updateStatus([{ type: 'Ready', status: 'False', reason: 'NoMessage', message: 'set spec.message' }]);
    return { requeueAfter: 60_000 };
  }
  // Server-side apply with field manager "capstan-greeter" and a controller owner reference.
  await ctx.apply(Kinds.ConfigMap, { metadata: { name: `${req.name}-greeting` }, data: { message: greeting.spec.message } });
  await ctx.updateStatus([{ type: 'Ready', status: 'True', reason: 'Greeted' }]);
  // Throwing anywhere above retries this greeting with backoff (5 ms doubling up to 1000 s).
};

const manager = new Manager({
  client: KubeClient.connect(), // --kubeconfig / KUBECONFIG / in-cluster
  name: 'greeter', // field manager capstan-greeter, events from capstan.dev/greeter
  leaderElection: { namespace: 'default' }, // Lease default/greeter-leader, 15 s / 10 s / 2 s
  port: 8080, // /metrics, /healthz, /readyz
});
manager.controller<Greeting>('greeting')
  .for(GreetingKind)
  .owns(Kinds.ConfigMap) // a changed or deleted ConfigMap reconciles its Greeting
  .withOptions({ maxConcurrentReconciles: 4 })
  .complete(reconcile);

await manager.run(); // SIGTERM: finish in-flight reconciles, release the lease, exit
