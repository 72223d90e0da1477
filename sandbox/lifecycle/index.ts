// The sandbox's lifecycle part: defaults, validation and controllers (see ../contracts.ts).
export { applyDefaults, defaultsNeedOld, ServiceAllocator, serviceAllocator, kubernetesServiceIP } from './defaults/index.ts';
export { validate, nodePortAllocation, invalidStatus, qualifiedKind, renderValue, dns1035Label, dns1123Label, dns1123Subdomain } from './validation/index.ts';
export { startControllers, type ControllerOptions } from './controllers/index.ts';
export { defaultPropagationPolicy, jobOrphanWarning, type PropagationPolicy } from './deletion.ts';
export { printedStatus, restartsOf } from './controllers/kubelet.ts';
