import { appEnv } from '@/lib/config/env';
import { discoverForClient } from '@/lib/discovery/discovery-service';
import { clientAddress } from '@/lib/http/request-guards';
import { json, parseQuery, route } from '@/lib/http/route';
import { discoverQuery } from './schema';
import type { ServerDiscovery } from '@/lib/contract/session';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Server settings for an address: the provider table, then RFC 6186 SRV records (docs/API.md). */
export const GET = route(async (request) => {
  const { address } = parseQuery(discoverQuery, request);
  return json((await discoverForClient(address, clientAddress(request, appEnv().POSTERN_TRUSTED_PROXY_HOPS))) satisfies ServerDiscovery);
});
