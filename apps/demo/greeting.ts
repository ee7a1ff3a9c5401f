import { Type } from '@sinclair/typebox';
import { Defaulted, defineCustomResource, defineOperator } from '../../src/constructs/schema/index.js';

/**
 * A Greeting serves a message over HTTP. The `greeter` operator turns it into a ConfigMap, a
 * Deployment and a Service, and reports the ready replicas. This module holds no cdk8s, so
 * the operator imports it for its typed view of the resource.
 */
export const GreetingType = defineCustomResource({
  group: 'demo.capstan.dev',
  version: 'v1alpha1',
  kind: 'Greeting',
  plural: 'greetings',
  shortNames: ['greet'],
  categories: ['capstan'],
  description: 'A message served over HTTP by a small web server.',
  spec: Type.Object({
    message: Type.String({ minLength: 1, maxLength: 1024, description: 'The text every request gets back.' }),
    language: Defaulted(Type.Union([Type.Literal('en'), Type.Literal('fr'), Type.Literal('de')]), 'en'),
    replicas: Defaulted(Type.Integer({ minimum: 0, maximum: 5 }), 1),
  }),
  status: Type.Object({
    replicas: Type.Optional(Type.Integer({ minimum: 0, description: 'Ready replicas.' })),
    selector: Type.Optional(Type.String({ description: 'Label selector of the pods, for the scale subresource.' })),
    url: Type.Optional(Type.String({ description: 'In-cluster URL of the greeting.' })),
  }),
  scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
  readyCondition: 'Ready',
  printerColumns: [
    { name: 'Message', type: 'string', jsonPath: '.spec.message' },
    { name: 'Replicas', type: 'integer', jsonPath: '.status.replicas' },
  ],
});

/** The operator reconciling Greetings: it owns the ConfigMap, Deployment and Service of each. */
export const greeterOperator = defineOperator({
  name: 'greeter',
  reconciles: [GreetingType],
  owns: [
    { apiVersion: 'v1', kind: 'ConfigMap' },
    { apiVersion: 'apps/v1', kind: 'Deployment' },
    { apiVersion: 'v1', kind: 'Service' },
  ],
});
