import type { Readable } from 'node:stream';

/** Bytes queued ahead of the HTTP response before the source is paused (then the POP3 socket is). */
const HIGH_WATER_BYTES = 256 * 1024;

/**
 * A Node byte stream as a web ReadableStream for a Response, without copying: Node's own
 * `Readable.toWeb` copies every chunk into a new Uint8Array (measured: a 106 MB download is 106 MB
 * of memcpy on the one thread everyone's pages share). The chunks here are enqueued as they are
 * (a Buffer is a Uint8Array), with backpressure by bytes, and a cancelled response destroys the
 * source (which abandons the RETR).
 */
export function webStream(source: Readable): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        source.on('data', (chunk: Buffer) => {
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 1) <= 0) source.pause();
        });
        source.once('end', () => controller.close());
        source.once('error', (error) => controller.error(error));
        source.once('close', () => {
          // Destroyed without an end or an error: the body is incomplete, and must not look complete.
          if (!source.readableEnded && !source.errored) controller.error(new Error('the message stream ended early'));
        });
        source.pause();
      },
      pull() {
        source.resume();
      },
      cancel() {
        source.destroy();
      },
    },
    { highWaterMark: HIGH_WATER_BYTES, size: (chunk) => chunk.byteLength },
  );
}
