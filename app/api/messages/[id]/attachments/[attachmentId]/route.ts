import { webStream } from '@/lib/http/web-stream';
import { attachmentDisposition, safeContentType } from '@/lib/http/content-disposition';
import { parseInput, requireSession, route } from '@/lib/http/route';
import { attachmentStream } from '@/lib/mail/message-service';
import { attachmentParams } from '../../schema';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const GET = route(async (request, context: { params: Promise<{ id: string; attachmentId: string }> }) => {
  const { id, attachmentId } = parseInput(attachmentParams, await context.params);
  const { info, stream } = await attachmentStream(await requireSession(request), id, attachmentId);
  return new Response(webStream(stream), {
    headers: {
      'Content-Type': safeContentType(info.contentType),
      'Content-Disposition': attachmentDisposition(info.filename ?? `attachment-${attachmentId}`),
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cache-Control': 'no-store',
    },
  });
});
