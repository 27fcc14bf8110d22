// Types for serve.mjs, so TypeScript tests can import it.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
export const PEER_HEADER: string;
export const PROTO_HEADER: string;
export function stampConnection(req: IncomingMessage): void;
export function refusedBeforeNext(req: Pick<IncomingMessage, 'method' | 'url'>): boolean;
export function serve(options?: { port?: number; hostname?: string; dir?: string; workers?: number; lanes?: boolean }): Promise<Server>;
export function listenSettings(args?: string[], env?: Record<string, string | undefined>): { port: number; hostname: string | undefined };
export function fastLaneSetting(env?: Record<string, string | undefined>): boolean;
export function readyLines(address: { address: string; port: number }, workers: number, env?: Record<string, string | undefined>): string[];
export function startFailureLine(error: unknown): string;
export function exitOnStartFailure(error: unknown): never;
export function stampWorker(req: IncomingMessage, res: ServerResponse, worker: number, live?: Set<number>): 'here' | 'redirected';
export function adoptConnection(server: Server, socket: Socket, head: Buffer): void;
export function restartPause(livedMs: number, crashes: number): { pauseMs: number; crashes: number };
export function workerExecArgv(execArgv?: string[], nodeOptions?: string): string[];
export const NO_ROUTE: unique symbol;
export function allowFromAnswer(answer: string): string | typeof NO_ROUTE | undefined;
