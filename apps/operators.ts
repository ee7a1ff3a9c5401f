import type { Manager } from '../src/controller/index.js';
import { registerGreeter } from './demo/greeter.js';
import { registerEtcd } from './etcd/operator/reconcile.js';
import { registerKafka } from './kafka/operator.js';

/**
 * Every operator this repository ships, by the name its install runs: `capstan operator <name>`
 * loads this module and registers the named operator's controllers on a Manager.
 */
export const operators: Record<string, (manager: Manager) => void> = {
  greeter: registerGreeter,
  etcd: registerEtcd,
  kafka: registerKafka,
};
