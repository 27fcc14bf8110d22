/**
 * The delaying proxy of tests/support/pop3-proxy.ts in a process of its own,
 * so its timers are not held up by the benchmark's own HTTP clients.
 * argv: <targetPort> <delayMs>. Prints {"port": n} once listening; exits when
 * its stdin closes (the benchmark ended, however it ended).
 */
import { EventEmitter } from 'node:events';
import { startProxy } from '../../tests/support/pop3-proxy';

// The support proxy adds a one-shot 'drain' listener for every refused write while a socket is
// backed up (all fire at the next drain); at 100 MB that is more than Node's warning threshold of 10.
EventEmitter.defaultMaxListeners = 0;

async function main(): Promise<void> {
  const targetPort = Number(process.argv[2]);
  const delayMs = Number(process.argv[3]);
  if (!Number.isInteger(targetPort) || !Number.isFinite(delayMs)) throw new Error('usage: proxy-process <targetPort> <delayMs>');
  const proxy = await startProxy({ targetPort, delayMs });
  process.stdout.write(`${JSON.stringify({ port: proxy.port })}\n`);
  const stop = () => void proxy.close().finally(() => process.exit(0));
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
