// A seeded PRNG whose whole state is a few 32-bit integers, so a sweep can be persisted and resumed
// mid-sequence. Pure integer arithmetic (xoroshiro128+): the same seed gives the same sequence on every
// machine and in the browser.
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';

/** Folds any finite number (or a string) into a 32-bit seed; seeds that are already int32 stay as they are. */
function toSeed(seed: number | string): number {
  if (typeof seed === 'number' && Number.isInteger(seed) && seed >= -0x80000000 && seed <= 0x7fffffff) {
    return seed;
  }
  // FNV-1a over the textual form: large or fractional seeds still spread over the whole int32 range.
  const text = String(seed);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** splitmix32 spreads a 32-bit seed over the 128-bit state: xoroshiro's own seeding leaves near-identical
 *  states for nearby seeds, and their first outputs are visibly correlated. */
function seedState(seed: number): number[] {
  let x = seed | 0;
  const out: number[] = [];
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b9) | 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    out.push((z ^ (z >>> 16)) | 0);
  }
  if (!out.some((n) => n !== 0)) out[0] = 1; // the all-zero state is a fixed point
  return out;
}

export class Rng {
  private gen: JumpableRandomGenerator;

  constructor(seed: number | string = Date.now()) {
    this.gen = xoroshiro128plusFromState(seedState(toSeed(seed)));
  }

  /** Restores a generator saved with `getState()`; it continues exactly where the saved one stopped. */
  static fromState(state: readonly number[]): Rng {
    if (!Array.isArray(state) || state.length !== 4 || !state.every((n) => Number.isInteger(n))) {
      throw new Error('Rng.fromState expects the 4 integers returned by getState()');
    }
    const rng = new Rng(0);
    const words = state.map((n) => n | 0);
    if (!words.some((n) => n !== 0))
      throw new Error('Rng.fromState: the all-zero state is not a valid state');
    rng.gen = xoroshiro128plusFromState(words);
    return rng;
  }

  getState(): number[] {
    return [...this.gen.getState()];
  }

  /** A float in [0, 1) with 53 random bits. */
  next(): number {
    return uniformFloat64(this.gen);
  }

  /** An integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`Rng.int expects a positive integer, got ${n}`);
    return uniformInt(this.gen, 0, n - 1);
  }

  /** A float in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** A standard normal draw (Box-Muller; no cached second value, so the state stays just the generator's). */
  normal(): number {
    const u1 = this.next();
    const u2 = this.next();
    return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  }
}
