// Types for ensure-test-deps.mjs, so TypeScript scripts can import it.
export interface TestDependency {
  name: string;
  apt: string;
  paths?: string[];
  command?: string;
}
export const TEST_DEPENDENCIES: TestDependency[];
export function isInstalled(dependency: TestDependency): boolean;
export function missingTestDeps(options?: { extra?: TestDependency[] }): TestDependency[];
export function installCommand(packages: string[]): string;
export function ensureTestDeps(options?: { extra?: TestDependency[]; log?: (line: string) => void }): { installed: string[] };
