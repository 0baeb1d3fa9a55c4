import { checkFenceConfig } from '../fencing/check-fence-config.js';
import type { FenceDevice } from '../fencing/fence-device.js';
import type { ConfigProblem } from './config-problem.js';
import type { ConfigFile } from './config-schema.js';

/**
 * Checks of the `fencing` section that look across fields, once every field has its type:
 * what the fencer itself would refuse (checkFenceConfig: unique ids, sendable parameters, a
 * level naming only known devices that have a plug for its node, one level per index), each
 * reported at the device or level it is about. Messages never hold a parameter value (they may
 * be secrets). `properties.fencing: true` without a device is allowed (the devices may be
 * applied later); until one exists, a lost node's resources stay where they are
 * (docs/fencing.md).
 */
export function checkFencing(file: ConfigFile): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const devices: FenceDevice[] = file.fencing.devices.map((d) => ({
    id: d.id,
    agent: d.agent,
    params: Object.fromEntries(Object.entries(d.params).map(([k, v]) => [k, String(v)])),
    hostMap: { ...d['host-map'] },
    timeoutMs: d.timeout,
  }));
  const seen = new Set<string>();
  devices.forEach((device, i) => {
    const path = ['fencing', 'devices', i];
    if (seen.has(device.id)) {
      problems.push({
        path: [...path, 'id'],
        message: `fence device ${device.id} is defined twice; device ids must be unique`,
      });
    }
    seen.add(device.id);
    for (const message of checkFenceConfig([device], {})) problems.push({ path, message });
  });
  const indexes = new Set<string>();
  file.fencing.levels.forEach((level, i) => {
    const path = ['fencing', 'levels', i];
    const key = `${level.node}/${level.index}`;
    if (indexes.has(key)) {
      problems.push({
        path: [...path, 'index'],
        message: `node ${level.node} already has a fencing level ${level.index}; each level needs its own index (1-9)`,
      });
    }
    indexes.add(key);
    const topology = { [level.node]: [{ index: level.index, devices: level.devices }] };
    const known = devices.filter((d) => level.devices.includes(d.id));
    for (const message of checkFenceConfig(known, topology)) {
      // Device problems are reported at the device; here only what is wrong with the level.
      if (!message.startsWith('fencing level') || message.includes('defined twice')) continue;
      problems.push({ path: [...path, 'devices'], message });
    }
  });
  return problems;
}
