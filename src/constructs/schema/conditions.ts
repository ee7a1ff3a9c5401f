import './formats.js';
import { Type, type Static } from '@sinclair/typebox';

/** A status condition as metav1.Condition defines it (kstatus reads Ready, Reconciling, Stalled). */
export const ConditionSchema = Type.Object({
  type: Type.String({ description: 'Condition type, e.g. Ready, Reconciling, Stalled.' }),
  status: Type.Union([Type.Literal('True'), Type.Literal('False'), Type.Literal('Unknown')]),
  reason: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  lastTransitionTime: Type.Optional(Type.String({ format: 'date-time' })),
});

/** A status condition. */
export type Condition = Static<typeof ConditionSchema>;

/** The status fields every Capstan custom resource carries, whatever its own status adds. */
export const StandardStatusSchema = Type.Object({
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0, description: 'The metadata.generation the operator last reconciled.' })),
  conditions: Type.Optional(Type.Array(ConditionSchema, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })),
});

/** The status fields every Capstan custom resource carries. */
export type StandardStatus = Static<typeof StandardStatusSchema>;
