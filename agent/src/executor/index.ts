/**
 * The local resource manager (LRM): runs resource agents on this node. See docs/executor.md.
 */
export * from './agent-path.js';
export * from './manager-clock.js';
export * from './map-outcome.js';
export * from './ocf-environment.js';
export * from './ocf-exit-code.js';
export * from './operation-executor.js';
export * from './operation-result.js';
export * from './resource-manager.js';
export * from './resource-state-after.js';
export * from './run-operation-options.js';
export * from './run-operation.js';
