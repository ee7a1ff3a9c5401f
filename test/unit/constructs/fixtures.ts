import { Type } from '@sinclair/typebox';
import { customResourceClass, defineCustomResource, defineOperator } from '../../../src/constructs/index.js';

/** A small kind with an operator, shared by the construct tests. */
export const QueueType = defineCustomResource({
  group: 'queue.test.capstan.dev',
  version: 'v1alpha1',
  kind: 'Queue',
  plural: 'queues',
  spec: Type.Object({
    partitions: Type.Integer({ minimum: 1, maximum: 16 }),
    retention: Type.Optional(Type.Union([Type.Literal('1h'), Type.Literal('1d')], { default: '1h' })),
    consumers: Type.Optional(Type.Array(Type.Object({ name: Type.String({ minLength: 1 }), weight: Type.Integer({ minimum: 1 }) }))),
  }),
});

/** The operator of {@link QueueType}. */
export const queueOperator = defineOperator({
  name: 'queue',
  reconciles: [QueueType],
  owns: [{ apiVersion: 'apps/v1', kind: 'StatefulSet' }],
});

/** `new Queue(chart, id, spec)`. */
export class Queue extends customResourceClass(QueueType, queueOperator) {}
