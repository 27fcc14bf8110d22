import type { TranscriptEntry } from '../pop3';

export interface TimedTranscriptEntry extends TranscriptEntry {
  /** Epoch ms. */
  at: number;
}

/**
 * The last `capacity` lines of a session's POP3 transcript, for the server
 * panel. The client redacts before anything reaches here (PASS, AUTH data and
 * tokens never appear), and bodies are summarised, so the ring stays small.
 */
export class TranscriptRing {
  private readonly lines: TimedTranscriptEntry[] = [];
  private next = 0;

  constructor(readonly capacity = 200) {}

  push(entry: TranscriptEntry, at = Date.now()): void {
    const line = { at, direction: entry.direction, text: entry.text };
    if (this.lines.length < this.capacity) this.lines.push(line);
    else this.lines[this.next] = line;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Oldest first. */
  entries(): TimedTranscriptEntry[] {
    return this.lines.length < this.capacity ? [...this.lines] : [...this.lines.slice(this.next), ...this.lines.slice(0, this.next)];
  }
}
