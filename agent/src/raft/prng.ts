/**
 * A small seeded pseudo-random generator (SplitMix32 variant). Deterministic for a seed, so
 * the simulation replays bit-for-bit; good enough for election jitter and fault injection,
 * not for cryptography.
 *
 * @returns a function yielding uniform numbers in [0, 1).
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 0x1_0000_0000;
  };
}
