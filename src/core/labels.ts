/** The names driftless writes into clusters: its field manager, labels and annotations. */

/** Label carrying the owning app on every object driftless applies (never app.kubernetes.io/*). */
export const APP_LABEL = 'driftless.dev/app';
/** Annotation naming app and object identity: "<app>:<group>/<Kind>:<namespace>/<name>". */
export const TRACKING_ANNOTATION = 'driftless.dev/tracking';
/** `driftless.dev/prune: disabled` keeps an object when Git drops it. */
export const PRUNE_ANNOTATION = 'driftless.dev/prune';
export const FIELD_MANAGER = 'driftless';
/**
 * Hash of the configuration driftless last applied to this object, sent in the same server-side
 * apply patch (so it costs no extra write). It is 22 characters, not a last-applied copy: with
 * the live-fields subset check it tells "unchanged" without a request and without the inventory
 * being rewritten on every change (see src/inventory/inventory.ts).
 */
export const APPLIED_HASH_ANNOTATION = 'driftless.dev/applied-hash';
/** Marks an app's inventory ConfigMap; its value is the app name. */
export const INVENTORY_LABEL = 'driftless.dev/inventory';
/**
 * HMAC (signing key, purpose "inventory") over an inventory's namespace, name and data: the only
 * thing that makes an inventory trusted, since anyone who can write ConfigMaps can forge labels.
 */
export const INVENTORY_MAC_ANNOTATION = 'driftless.dev/inventory-mac';
/** ConfigMaps named with this prefix are inventories: no app may apply one from its repository. */
export const INVENTORY_NAME_PREFIX = 'driftless-inventory-';
