/**
 * mulberry32: a tiny seedable generator, good enough to make a demo or a fault story
 * reproducible (the same seed replays the same run). Not for anything secret.
 *
 * @example
 * const random = seededRandom(7);
 * random(); // in [0, 1), the same sequence for seed 7 every time
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
