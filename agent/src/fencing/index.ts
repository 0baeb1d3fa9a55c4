/**
 * Fencing: powering a node off through a fence device and verifying it, so the leader can move
 * its resources at once and recover from failed stops. See docs/fencing.md.
 */
export * from './check-fence-config.js';
export * from './fence-action-result.js';
export * from './fence-action.js';
export * from './fence-agent-path.js';
export * from './fence-device.js';
export * from './fence-logger.js';
export * from './fence-node.js';
export * from './fence-outcome.js';
export * from './fence-policy.js';
export * from './fence-run-options.js';
export * from './fence-stdin.js';
export * from './fencer.js';
export * from './run-fence-action.js';
export * from './secret-params.js';
export * from './single-flight.js';
