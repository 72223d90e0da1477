/**
 * The sandbox parts this server integrates (schema, merge, lifecycle), in one place so that a
 * part not yet delivered can be stood in for by a trivial shim.
 */
export { createSchemaIndex, fromJSONSchemaProps, unknownFields, decodeTyped, typedPatchError } from '../schema/index.ts';
export { jsonPatch, mergePatch, strategicMergePatch, serverSideApply, recordUpdate } from '../merge/index.ts';

export { applyDefaults, validate, startControllers, serviceAllocator, nodePortAllocation, defaultPropagationPolicy, jobOrphanWarning, invalidStatus, printedStatus, restartsOf } from '../lifecycle/index.ts';
