/**
 * An overall deadline that can be paused while *we* are the slow side (a
 * consumer applying backpressure) and that grants extra time in proportion to
 * the bytes actually received: a 100 MB body at a healthy rate finishes, a
 * server dripping one byte a second still runs out of time.
 */
const MAX_TIMER_MS = 2_147_483_647;

export class Deadline {
  private timer: NodeJS.Timeout | undefined;
  /** When the timer set fires (epoch ms). */
  private dueAt = 0;
  private elapsedBeforePause = 0;
  private runningSince: number | undefined;
  private bytes = 0;

  constructor(
    private readonly baseMs: number,
    private readonly msPerByte: number,
    private readonly onExpire: () => void,
  ) {}

  start(): void {
    this.runningSince = Date.now();
    this.arm();
  }

  /**
   * A new budget from now (the next pipelined reply is at the head). The timer already set is kept when
   * it fires no later than the new budget ends (it then sets itself again for what is left): a batch of
   * 50 replies costs one timer, not 50. One set with credit for bytes received (a large reply before
   * this one) would fire too late, and is set again.
   */
  restart(): void {
    this.elapsedBeforePause = 0;
    this.bytes = 0;
    const now = Date.now();
    this.runningSince = now;
    if (!this.timer || this.dueAt > now + this.baseMs) this.arm();
  }

  addBytes(count: number): void {
    this.bytes += count;
  }

  pause(): void {
    if (this.runningSince === undefined) return;
    this.elapsedBeforePause += Date.now() - this.runningSince;
    this.runningSince = undefined;
    this.clearTimer();
  }

  resume(): void {
    if (this.runningSince !== undefined) return;
    this.runningSince = Date.now();
    this.arm();
  }

  clear(): void {
    this.runningSince = undefined;
    this.clearTimer();
  }

  private allowedMs(): number {
    return this.baseMs + this.bytes * this.msPerByte;
  }

  private elapsedMs(): number {
    return this.elapsedBeforePause + (this.runningSince === undefined ? 0 : Date.now() - this.runningSince);
  }

  private arm(): void {
    this.clearTimer();
    const remaining = this.allowedMs() - this.elapsedMs();
    if (remaining <= 0) {
      this.onExpire();
      return;
    }
    // setTimeout turns any delay above 2^31-1 ms into 1 ms (a busy loop): wait at most that long, then re-arm.
    const delay = Math.min(remaining, MAX_TIMER_MS);
    this.dueAt = Date.now() + delay;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.runningSince !== undefined) this.arm();
    }, delay);
    this.timer.unref?.();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
