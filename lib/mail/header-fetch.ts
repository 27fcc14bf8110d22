import { isPop3Error, type Pop3Client } from '../pop3';

/**
 * The header section (headers and the blank line after them) of each entry,
 * by message number. `TOP n 0` for all of them in one pipelined batch; where
 * the server has no TOP, a RETR read up to the blank line whose rest is read
 * and discarded, so the connection stays in step.
 */
export async function fetchHeaderSections(
  client: Pop3Client,
  entries: readonly { number: number }[],
): Promise<Map<number, Buffer>> {
  const sections = new Map<number, Buffer>();
  const withoutTop: number[] = [];
  if (client.lacksTop) {
    withoutTop.push(...entries.map((entry) => entry.number));
  } else {
    const results = await client.topMany(entries.map((entry) => entry.number), 0);
    for (const result of results) {
      if (result.data) sections.set(result.number, result.data);
      else withoutTop.push(result.number);
    }
  }
  for (const number of withoutTop) {
    const section = await headerSectionByRetr(client, number).catch((error: unknown) => {
      if (isPop3Error(error) && !error.fatal) return undefined;
      throw error;
    });
    if (section) sections.set(number, section);
  }
  return sections;
}

async function headerSectionByRetr(client: Pop3Client, number: number): Promise<Buffer> {
  const limit = client.limits.maxHeaderBytes;
  const stream = await client.retr(number);
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let complete = false;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (complete || keptBytes >= limit) continue;
    kept.push(chunk);
    keptBytes += chunk.length;
    const sofar = Buffer.concat(kept);
    const end = headerEnd(sofar);
    if (end >= 0) {
      kept.length = 0;
      kept.push(sofar.subarray(0, end));
      keptBytes = end;
      complete = true;
    }
  }
  return Buffer.concat(kept).subarray(0, limit);
}

/** Index just past the blank line that ends the header section, or -1. */
export function headerEnd(bytes: Buffer): number {
  const crlf = bytes.indexOf('\r\n\r\n');
  const lf = bytes.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf + 2 <= lf + 1)) return crlf + 4;
  return lf >= 0 ? lf + 2 : -1;
}
