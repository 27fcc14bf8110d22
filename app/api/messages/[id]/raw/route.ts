import type { Readable } from 'node:stream';
import { webStream } from '@/lib/http/web-stream';
import { openFastLane } from '@/lib/http/fast-lane';
import { parseInput, requireSession, route, type RequestHead } from '@/lib/http/route';
import { rawMessage } from '@/lib/mail/message-service';
import { attachmentDisposition } from '@/lib/http/content-disposition';
import { messageParams } from '../schema';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

async function download(request: RequestHead, params: unknown): Promise<{ headers: Record<string, string>; stream: Readable }> {
  const { id } = parseInput(messageParams, params);
  const { size, stream } = await rawMessage(await requireSession(request), id);
  const headers = {
    'Content-Type': 'message/rfc822',
    'Content-Disposition': attachmentDisposition(`message-${id.slice(1, 17)}.eml`),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
    'X-Message-Size': String(size),
  };
  return { headers, stream };
}

export const GET = route(async (request, context: { params: Promise<{ id: string }> }) => {
  const { headers, stream } = await download(request, await context.params);
  return new Response(webStream(stream), { headers });
});

// Whole messages, straight from the POP3 socket to the HTTP one without web streams in between
// (lib/http/fast-lane.ts). Ids are plain characters, so the path needs no decoding; any other spelling is Next's.
openFastLane({ pattern: /^\/api\/messages\/([A-Za-z0-9_-][A-Za-z0-9_.-]*)\/raw$/, answer: (request, [id]) => download(request, { id }) });
