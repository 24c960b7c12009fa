/**
 * Route scopes of the front door. The definitions moved to core/route-scope.ts so that the jobs
 * layer, which registers its own routes, declares scopes the same way; deploy re-exports them.
 */
export { type RouteScope, ROUTE_SCOPES, isRouteScope, scoped, matchedScope } from '../core/route-scope.js';
