export * from './types.js';
export * from './errors.js';
export * from './paths.js';
export * from './config.js';
export * from './client.js';
export * from './discovery.js';
export * from './time.js';
export * from './lease.js';
