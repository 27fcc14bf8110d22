/**
 * The garbage collector, callable from a test without starting node with --expose-gc: for tests that
 * measure what stays alive (a heap before and after), not what merely has not been collected yet.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
export const gc = runInNewContext('gc') as () => void;
