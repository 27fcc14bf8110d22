/** At most `size` holders at a time; the others wait in arrival order (FIFO, no barging). */
export class Semaphore {
  private free: number;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly size: number) {
    this.free = size;
  }

  /** Holders and waiters. */
  get queued(): number {
    return this.size - this.free + this.waiters.length;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiters.push(resolve));
    try {
      return await work();
    } finally {
      // Handed straight to the next waiter, so nobody arriving meanwhile can slip in ahead.
      const next = this.waiters.shift();
      if (next) next();
      else this.free++;
    }
  }
}

/** A FIFO lock: one command sequence per mail session at a time, in arrival order. */
export class Mutex extends Semaphore {
  constructor() {
    super(1);
  }
}
