/** Synthesis in-process: `capstan synth` and `capstan verify` are built on these. */
export * from './config.js';
export * from './load-app.js';
export * from './synthesize.js';
export * from './dist.js';
