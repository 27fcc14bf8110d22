/** Order statistics of the benchmark's samples (nearest rank: always one of the measured values). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? NaN;
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);
