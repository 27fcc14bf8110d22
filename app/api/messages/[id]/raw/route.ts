import { webStream } from '@/lib/http/web-stream';
import { parseInput, requireSession, route } from '@/lib/http/route';
import { rawMessage } from '@/lib/mail/message-service';
import { attachmentDisposition } from '@/lib/http/content-disposition';
import { messageParams } from '../schema';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route(async (request, context: { params: Promise<{ id: string }> }) => {
  const { id } = parseInput(messageParams, await context.params);
  const { size, stream } = await rawMessage(await requireSession(request), id);
  return new Response(webStream(stream), {
    headers: {
      'Content-Type': 'message/rfc822',
      'Content-Disposition': attachmentDisposition(`message-${id.slice(1, 17)}.eml`),
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
      'X-Message-Size': String(size),
    },
  });
});
