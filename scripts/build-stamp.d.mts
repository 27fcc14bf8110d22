// Types for build-stamp.mjs, so TypeScript tests can import it.
export const SOURCE_DIRS: string[];
export const SOURCE_FILES: string[];
export const STAMP_FILE: string;
export function sourceStamp(root: string): string;
export function builtStamp(root: string): string | undefined;
export function staleReason(root: string, stamp?: string): string | undefined;
export function recordBuild(root: string, stamp: string): void;
export function ensureBuild(root: string, options?: { force?: boolean; stdio?: 'pipe' | 'inherit'; onBuild?: (reason: string) => void }): void;
export function withBuildLock<T>(root: string, work: () => T): T;
