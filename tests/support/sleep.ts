/** A plain timer promise, for the support code's polling loops and fake servers' scripted pauses. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
