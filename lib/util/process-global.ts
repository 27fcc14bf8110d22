/**
 * One value per process, kept on globalThis under a registered symbol: dev hot reload (which loads modules
 * anew) and every route module that imports it see the same one. `use` replaces it (start-up, tests).
 */
export function processGlobal<T>(name: string, make: () => T): { get(): T; use(value: T): void } {
  const key = Symbol.for(name);
  const holder = globalThis as unknown as Record<symbol, T | undefined>;
  return {
    get: () => (holder[key] ??= make()),
    use: (value) => {
      holder[key] = value;
    },
  };
}
