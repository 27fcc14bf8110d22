import type { TranscriptEntry } from '../pop3';

export interface TimedTranscriptEntry extends TranscriptEntry {
  /** Epoch ms. */
  at: number;
}

/**
 * The clock read once per synchronous run: a pipelined page writes its 50 commands, and reads their
 * 100 answer lines, each in one go, and those lines share a time. (In the server, `Date.now()` goes
 * through Next's wrapper, which asks two AsyncLocalStorages each time.)
 */
let burst: number | undefined;
function burstTime(): number {
  if (burst === undefined) {
    burst = Date.now();
    queueMicrotask(() => {
      burst = undefined;
    });
  }
  return burst;
}

/**
 * The last `capacity` lines of a session's POP3 transcript, for the server
 * panel. The client redacts before anything reaches here (PASS, AUTH data and
 * tokens never appear), and bodies are summarised, so the ring stays small.
 * Lines are kept as the client made them, their times beside them.
 */
export class TranscriptRing {
  private readonly lines: TranscriptEntry[] = [];
  private readonly times: Float64Array;
  private next = 0;

  constructor(readonly capacity = 200) {
    this.times = new Float64Array(capacity);
  }

  push(entry: TranscriptEntry, at = burstTime()): void {
    this.lines[this.next] = entry;
    this.times[this.next] = at;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Oldest first. */
  entries(): TimedTranscriptEntry[] {
    const oldest = this.lines.length === this.capacity ? this.next : 0;
    return this.lines.map((_, k) => {
      const i = (oldest + k) % this.capacity;
      return { at: this.times[i]!, direction: this.lines[i]!.direction, text: this.lines[i]!.text };
    });
  }
}
