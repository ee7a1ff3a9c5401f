/**
 * `capstan dashboard`: a loopback server, reached with a token, that watches the cluster with the
 * user's credentials and pushes live views of Syncs, their resource trees and objects to a bundled
 * web front end.
 */
export { DashboardServer, DASHBOARD_HOST, DEFAULT_DASHBOARD_PORT, type DashboardOptions } from './server.js';
export type { LiveHubOptions } from './hub.js';
export type * from './api-types.js';
