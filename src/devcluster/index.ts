export { up, down, status, controlComponent, cliCommand, type StartedCluster } from './cluster.js';
export { ensureBinaries, type Binaries } from './build.js';
export { appRuntimes, ensureAppImage, ensurePrebuiltApps, resolveAppImage, type AppImage, type AppRuntime } from './apps/index.js';
export { defaultStateDir, cacheRoot } from './paths.js';
export { versions } from './versions.js';
export type { ClusterOptions, ClusterState } from './state.js';
export { kafkaRuntime, kafkaDir } from './apps/kafka.js';
