/** A FIFO lock: one command sequence per mail session at a time, in arrival order. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  get queued(): number {
    return this.waiting;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    this.waiting++;
    try {
      await previous;
      return await work();
    } finally {
      this.waiting--;
      release();
    }
  }
}

/** At most `size` holders at a time; the others wait in arrival order. */
export class Semaphore {
  private free: number;
  private readonly waiters: Array<() => void> = [];

  constructor(size: number) {
    this.free = size;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiters.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiters.shift();
      if (next) next();
      else this.free++;
    }
  }
}
