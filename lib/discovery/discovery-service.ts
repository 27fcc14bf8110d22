import 'server-only';
import { appEnv, dnsServers, pinnedServer } from '../config/env';
import { AppError } from '../errors';
import { RateLimiter } from '../security/rate-limit';
import { serverContext } from '../server/context';
import { discover, type Discovery } from './discover';
import { processGlobal } from '../util/process-global';

/**
 * The unauthenticated discovery route's throttle: per client address (best
 * effort, see clientAddress) and for the whole process, so the app cannot be
 * turned into a DNS query pump whatever X-Forwarded-For says. Kept on
 * globalThis like the server context, so dev hot reload keeps the counts.
 */
const PER_CLIENT = { max: 30, windowMs: 60_000 };
const PER_PROCESS = { max: 600, windowMs: 60_000 };
/** Look-ups waiting on DNS at once (each holds a resolver until its budget ends). */
const MAX_IN_FLIGHT = 32;

interface Limiters {
  perClient: RateLimiter;
  perProcess: RateLimiter;
  inFlight: number;
}

const state = processGlobal<Limiters>('postern.discovery-limiters', () => ({
  perClient: new RateLimiter(PER_CLIENT.max, PER_CLIENT.windowMs),
  perProcess: new RateLimiter(PER_PROCESS.max, PER_PROCESS.windowMs),
  inFlight: 0,
}));
const limiters = (): Limiters => state.get();

export async function discoverForClient(address: string, client: string): Promise<Discovery> {
  const state = limiters();
  const { perClient, perProcess } = state;
  const wait = Math.max(perClient.retryAfter(client), perProcess.retryAfter('all'), state.inFlight >= MAX_IN_FLIGHT ? 1 : 0);
  if (wait > 0) {
    throw new AppError('RATE_LIMITED', `Too many look-ups of server settings. Try again in ${wait} seconds.`, { retryAfter: wait });
  }
  perClient.record(client);
  perProcess.record('all');
  // With POP3_SERVER set the form asks for no server: nothing to discover.
  if (pinnedServer()) return { found: null };
  state.inFlight += 1;
  try {
    return await discover(address, {
      policy: serverContext().policy,
      dns: { servers: dnsServers(), timeoutMs: appEnv().POSTERN_DISCOVERY_TIMEOUT_MS },
    });
  } finally {
    state.inFlight -= 1;
  }
}
