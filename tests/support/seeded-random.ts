/** Numbers in [0, 1), like Math.random, but the same sequence for the same seed. */
export type Random = () => number;

/** mulberry32: small, fast, seeded, so a failing random case can be reproduced from its seed. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
