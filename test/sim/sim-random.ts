import { seededRandom } from '../../agent/src/raft/prng.js';

/**
 * Derives the 32-bit seed of one named random stream of a simulation run.
 *
 * Every concern (network, disk, faults, clients, each node's Raft core, ...) draws from its own
 * stream, so adding draws to one concern does not reshuffle the others: a seed keeps most of its
 * behaviour when the simulator grows a new fault kind.
 */
export function deriveStreamSeed(seed: number, stream: string): number {
  // FNV-1a over the stream name, then mixed with the run seed (SplitMix32 finaliser).
  let h = 0x811c9dc5;
  for (let i = 0; i < stream.length; i++) {
    h ^= stream.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  let z = (h ^ Math.imul(seed >>> 0, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * A seeded random stream with the helpers the simulation needs. It is the only source of
 * randomness in the simulator (no Math.random), so a run is a pure function of its seed.
 */
export class SimRandom {
  private readonly source: () => number;

  /** Wraps a uniform [0, 1) source, typically {@link seededRandom}. */
  constructor(source: () => number) {
    this.source = source;
  }

  /** The stream named `stream` of the run with seed `seed` (see {@link deriveStreamSeed}). */
  static forStream(seed: number, stream: string): SimRandom {
    return new SimRandom(seededRandom(deriveStreamSeed(seed, stream)));
  }

  /** A uniform number in [0, 1). */
  next(): number {
    return this.source();
  }

  /** A uniform number in [min, max). */
  float(min: number, max: number): number {
    return min + (max - min) * this.source();
  }

  /** A uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.source() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && this.source() < p;
  }

  /** A uniformly chosen element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('SimRandom.pick: empty list');
    return items[Math.floor(this.source() * items.length)] as T;
  }

  /** A new list with the elements of `items` in random order (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.source() * (i + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }
}
