/**
 * The cdk8s side of Capstan: custom resources defined from one schema, the operators that
 * reconcile them (installed alongside, once per namespace), and the Compose-like Workload.
 * The cdk8s-free part lives in `./schema/index.js` for run-time code.
 */
export * from './schema/index.js';
export * from './errors.js';
export * from './names.js';
export * from './cluster-scoped.js';
export * from './crd.js';
export * from './operator-install.js';
export * from './agent-install.js';
export * from './custom-resource.js';
export * from './workload/index.js';
