// Node port allocation as the Service registry does it after validation
// (pkg/registry/core/service/storage/alloc.go with the portallocator's errors): a port a Service
// asks for must lie in the node port range and be free across all Services.
import type { Obj, StatusCause } from '../../contracts.ts';
import { listAt } from '../util.ts';
import { invalid } from './causes.ts';

export const nodePortRange = { min: 30000, max: 32767 };

function nodePortsOf(svc: Obj): number[] {
  const out: number[] = [];
  for (const p of listAt(svc, 'spec', 'ports')) if (typeof p.nodePort === 'number' && p.nodePort !== 0) out.push(p.nodePort);
  const health = (svc.spec as { healthCheckNodePort?: unknown } | undefined)?.healthCheckNodePort;
  if (typeof health === 'number' && health !== 0) out.push(health);
  return out;
}

/**
 * The first allocation failure of the node ports `svc` newly asks for (ports it already held in
 * `old` stay its own), given every other Service: the real allocator stops at the first one.
 */
export function nodePortAllocation(svc: Obj, old: Obj | undefined, others: Obj[] | (() => Obj[])): StatusCause[] {
  const wanted = nodePortsOf(svc);
  if (wanted.length === 0) return [];
  const held = new Set(old ? nodePortsOf(old) : []);
  if (wanted.every((p) => held.has(p))) return [];
  const used = new Set<number>();
  for (const o of typeof others === 'function' ? others() : others) for (const p of nodePortsOf(o)) used.add(p);
  const ports = listAt(svc, 'spec', 'ports');
  for (let i = 0; i < ports.length; i++) {
    const np = ports[i]!.nodePort;
    if (typeof np !== 'number' || np === 0 || held.has(np)) continue;
    const field = `spec.ports[${i}].nodePort`;
    if (np < nodePortRange.min || np > nodePortRange.max) {
      return [invalid(field, np, `provided port is not in the valid range. The range of valid ports is ${nodePortRange.min}-${nodePortRange.max}`)];
    }
    if (used.has(np)) return [invalid(field, np, 'provided port is already allocated')];
  }
  return [];
}
