import { ownedConfig, reservedListeners } from './owned-config.js';
import type { KafkaClusterSpec } from './layout.js';

/** One thing wrong with a spec: the field and what to do. */
export interface SpecProblem {
  field: string;
  message: string;
}

/**
 * Everything in a KafkaCluster spec the schema cannot catch, each naming the field and the fix. The
 * operator changes nothing in the cluster while any is left.
 */
export function specProblems(spec: KafkaClusterSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  if (spec.controllers.mode === 'combined' && spec.brokers < spec.controllers.count) {
    problems.push({ field: 'spec.brokers', message: `${spec.brokers} brokers cannot hold ${spec.controllers.count} combined controllers: raise spec.brokers to at least ${spec.controllers.count}, lower spec.controllers.count, or set spec.controllers.mode to dedicated` });
  }
  for (const key of Object.keys(spec.config)) {
    const why = ownedConfig[key];
    if (why) problems.push({ field: `spec.config["${key}"]`, message: `config key "${key}" is owned by the operator (${why}); remove it from spec.config` });
  }
  for (const key of ['default.replication.factor', 'offsets.topic.replication.factor', 'transaction.state.log.replication.factor', 'min.insync.replicas']) {
    const value = spec.config[key];
    if (value !== undefined && (!/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > spec.brokers)) {
      problems.push({ field: `spec.config["${key}"]`, message: `"${value}" must be a whole number from 1 to the broker count (${spec.brokers})` });
    }
  }
  const seenNames = new Set<string>();
  const seenPorts = new Set<number>();
  spec.listeners.forEach((l, i) => {
    const field = `spec.listeners[${i}]`;
    if (l.name in reservedListeners) problems.push({ field: `${field}.name`, message: `listener name ${l.name} is the operator's own; choose another name` });
    if (Object.values(reservedListeners).includes(l.port as 9091 | 9093)) problems.push({ field: `${field}.port`, message: `port ${l.port} is taken by the operator's INTERNAL (9091) or CONTROLLER (9093) listener; choose another port` });
    if (seenNames.has(l.name)) problems.push({ field: `${field}.name`, message: `listener name ${l.name} is used twice; names must be unique` });
    if (seenPorts.has(l.port)) problems.push({ field: `${field}.port`, message: `port ${l.port} is used twice; ports must be unique` });
    seenNames.add(l.name);
    seenPorts.add(l.port);
  });
  return problems;
}
