/**
 * The namespace of a CommonJS package loaded with `import()`. Node (and tsx) expose its named
 * exports; the CLI's esbuild bundle (with code splitting) puts a dynamically imported CommonJS
 * chunk behind `default` only. Both shapes give the same module here.
 */
export async function lazySdk<T extends object>(load: () => Promise<T>, probe: keyof T): Promise<T> {
  const mod = (await load()) as T & { default?: T };
  return probe in mod && mod[probe] !== undefined ? mod : (mod.default ?? mod);
}
