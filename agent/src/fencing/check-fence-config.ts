import path from 'node:path';

import { TIMER_DELAY_MS_MAX } from '../executor/process-group-run.js';
import type { FenceDevice, FenceTopology } from './fence-device.js';
import { checkFenceParams } from './fence-stdin.js';

// A bare agent name is one plain path component (as in fence-agent-path.ts).
const AGENT_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

/**
 * What is wrong with a fencing configuration, one message per problem (empty when it is
 * sound), checked without touching the file system: unique non-empty device ids, an agent that
 * is a plain name or an absolute path, parameters that can be sent (fence-stdin.ts), a usable
 * timeout, and a topology whose levels are non-empty, have distinct indexes per node, and name
 * known devices that can fence that node (the node is in the device's host map). Messages never
 * hold a parameter value. Meant for the configuration loader, so a bad device is refused when
 * the configuration is applied rather than discovered while a node is being fenced.
 */
export function checkFenceConfig(
  devices: readonly FenceDevice[],
  topology: FenceTopology,
): string[] {
  const problems: string[] = [];
  const byId = new Map<string, FenceDevice>();
  for (const device of devices) {
    const where = `fence device ${JSON.stringify(device.id)}`;
    if (device.id === '') problems.push('a fence device has an empty id');
    if (byId.has(device.id)) problems.push(`${where} is defined twice`);
    byId.set(device.id, device);
    if (!path.isAbsolute(device.agent) && !AGENT_NAME_PATTERN.test(device.agent)) {
      problems.push(
        `${where}: agent ${JSON.stringify(device.agent)} must be a program name or an absolute path`,
      );
    }
    const params = checkFenceParams(device.params);
    if (params !== null) problems.push(`${where}: ${params}`);
    for (const [node, plug] of Object.entries(device.hostMap)) {
      if (/[\r\n\0]/.test(plug)) problems.push(`${where}: plug of node ${node} has a line break`);
    }
    const { timeoutMs } = device;
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0 && timeoutMs <= TIMER_DELAY_MS_MAX)) {
      problems.push(`${where}: timeoutMs must be in (0, ${TIMER_DELAY_MS_MAX}], got ${timeoutMs}`);
    }
  }
  for (const [node, levels] of Object.entries(topology)) {
    const indexes = new Set<number>();
    for (const level of levels) {
      const where = `fencing level ${level.index} of node ${node}`;
      if (!Number.isInteger(level.index)) problems.push(`${where}: index must be an integer`);
      if (indexes.has(level.index)) problems.push(`${where} is defined twice`);
      indexes.add(level.index);
      if (level.devices.length === 0) problems.push(`${where} lists no device`);
      for (const id of level.devices) {
        const device = byId.get(id);
        if (device === undefined) problems.push(`${where} names unknown fence device ${id}`);
        else if (!Object.hasOwn(device.hostMap, node)) {
          problems.push(`${where}: fence device ${id} has no plug for node ${node} in its hostMap`);
        }
      }
    }
  }
  return problems;
}
