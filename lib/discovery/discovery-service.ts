import 'server-only';
import { appEnv, dnsServers, pinnedServer } from '../config/env';
import { AppError } from '../errors';
import { ClientAndProcessLimit } from '../security/rate-limit';
import { serverContext } from '../server/context';
import { discover, type Discovery } from './discover';
import { processGlobal } from '../util/process-global';

/**
 * The unauthenticated discovery route's throttle: per client address (best
 * effort, see clientAddress) and for the whole process, so the app cannot be
 * turned into a DNS query pump whatever X-Forwarded-For says. Kept on
 * globalThis like the server context, so dev hot reload keeps the counts.
 */
const PER_CLIENT = 30;
const PER_PROCESS = 600;
const WINDOW_MS = 60_000;
/** Look-ups waiting on DNS at once (each holds a resolver until its budget ends). */
const MAX_IN_FLIGHT = 32;

const limiters = processGlobal('postern.discovery-limit', () => ({ limit: new ClientAndProcessLimit(PER_CLIENT, PER_PROCESS, WINDOW_MS), inFlight: 0 }));

export async function discoverForClient(address: string, client: string): Promise<Discovery> {
  const state = limiters.get();
  const wait = Math.max(state.limit.retryAfter(client), state.inFlight >= MAX_IN_FLIGHT ? 1 : 0);
  if (wait > 0) {
    throw new AppError('RATE_LIMITED', `Too many look-ups of server settings. Try again in ${wait} seconds.`, { retryAfter: wait });
  }
  state.limit.record(client);
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
