/** Patch and field-ownership engines of the sandbox (pure functions over plain JSON objects). */
export { jsonPatch, mergePatch, type JsonPatchOp } from './patch.ts';
export { strategicMergePatch } from './smp.ts';
export { serverSideApply } from './apply.ts';
export { recordUpdate } from './update.ts';
export { FieldSet, pathString } from './fieldset.ts';
export { decodeManagedFields, encodeManagedFields, managerKey, type ManagerEntry, type Managers } from './managed.ts';
export { toFieldSet, compare, merge } from './typed.ts';
