import { appEnv } from '@/lib/config/env';
import { toAppError } from '@/lib/errors';
import { json, parseInput, parseQuery, requireSession, route } from '@/lib/http/route';
import { readMessageMarkingSeen } from '@/lib/mail/message-service';
import { messageParams, messageQuery } from './schema';
import type { DeleteOneAnswer, FullMessage, MessageStreamLine } from '@/lib/contract/messages';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ id: string }> };

export const GET = route(async (request, context: Context) => {
  const { id } = parseInput(messageParams, await context.params);
  const { remoteImages } = parseQuery(messageQuery, request);
  const session = await requireSession(request);
  const options = { remoteImages, maxParseBytes: appEnv().POSTERN_MAX_PARSE_BYTES };
  if (!(request.headers.get('accept') ?? '').includes('application/x-ndjson')) {
    return json(await readMessageMarkingSeen(session, id, options));
  }
  await session.find(id); // a 404 is a plain error response, not a stream
  return progressStream((send) =>
    readMessageMarkingSeen(session, id, {
      ...options,
      onProgress: throttled((p) => send({ type: 'progress', received: p.received, total: p.expected ?? null })),
    }),
  );
});

export const DELETE = route(async (request, context: Context) => {
  const { id } = parseInput(messageParams, await context.params);
  await (await requireSession(request)).mark([id]);
  return json({ id, deleted: true } satisfies DeleteOneAnswer);
});

/** NDJSON: progress lines while the message downloads, then the message or an error. */
function progressStream(work: (send: (line: MessageStreamLine) => void) => Promise<FullMessage>): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (line: MessageStreamLine) => controller.enqueue(encoder.encode(`${JSON.stringify(line)}\n`));
      try {
        send({ type: 'message', message: await work(send) });
      } catch (error) {
        const appError = toAppError(error);
        send({ type: 'error', error: { code: appError.code, message: appError.message } });
      }
      controller.close();
    },
  });
  return new Response(body, { headers: { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store' } });
}

function throttled<T>(fn: (value: T) => void, everyMs = 100): (value: T) => void {
  let last = 0;
  return (value) => {
    const now = Date.now();
    if (now - last >= everyMs) {
      last = now;
      fn(value);
    }
  };
}
