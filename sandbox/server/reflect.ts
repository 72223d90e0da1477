/**
 * @peculiar/x509 resolves its services through tsyringe, which insists on the Reflect metadata API
 * (normally the reflect-metadata package). These three functions are all it calls.
 */
type Key = string | symbol;
type Target = object;
const metadata = new WeakMap<Target, Map<Key | undefined, Map<unknown, unknown>>>();
const R = Reflect as unknown as Record<string, unknown>;

function own(key: unknown, target: Target, prop?: Key): unknown {
  return metadata.get(target)?.get(prop)?.get(key);
}

if (typeof R.getMetadata !== 'function') {
  R.defineMetadata = (key: unknown, value: unknown, target: Target, prop?: Key): void => {
    let byProp = metadata.get(target);
    if (!byProp) { byProp = new Map(); metadata.set(target, byProp); }
    let byKey = byProp.get(prop);
    if (!byKey) { byKey = new Map(); byProp.set(prop, byKey); }
    byKey.set(key, value);
  };
  R.getOwnMetadata = own;
  R.getMetadata = (key: unknown, target: Target, prop?: Key): unknown => {
    for (let t: Target | null = target; t; t = Object.getPrototypeOf(t) as Target | null) {
      const v = own(key, t, prop);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}

export {};
