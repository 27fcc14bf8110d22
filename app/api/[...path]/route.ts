import { AppError } from '@/lib/errors';
import { route } from '@/lib/http/route';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Any /api/ address no route has: the API's own JSON error, not the HTML 404 page. */
const notFound = route(async () => {
  throw new AppError('NOT_FOUND', 'There is no API route at this address (see docs/API.md).');
});

export const GET = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;
// Without it Next would answer OPTIONS here with every method as allowed, for an address that takes none.
export const OPTIONS = notFound;
