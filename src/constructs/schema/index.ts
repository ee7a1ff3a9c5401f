/**
 * The cdk8s-free half of `src/constructs`: custom resource schemas, operator declarations,
 * RBAC computation and annotation formats. Operators and the apply engine import this at run
 * time without pulling in cdk8s.
 */
export * from './structural.js';
export * from './issues.js';
export * from './conditions.js';
export * from './defaulted.js';
export * from './custom-resource.js';
export * from './kinds.js';
export * from './operator.js';
export * from './depends-on.js';
export * from './ready-condition.js';
export * from './sync.js';
