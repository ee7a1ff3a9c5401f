export * from './props.js';
export * from './workload.js';
