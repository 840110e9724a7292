// numpy's legacy RandomState (MT19937) as a stand-in for Axon's Rng, for bench/hpo/tpe-inprocess.ts only: with
// `--rng numpy` Axon's TPE draws exactly the uniforms Optuna's TPESampler(seed=s) draws, so the two can be
// compared trajectory by trajectory rather than only in distribution.
import type { Rng } from '../../shared/random';

export class NumpyRandomState {
  private readonly mt = new Uint32Array(624);
  private pos = 624;

  /** np.random.RandomState(seed) for an integer seed (mt19937_seed: Knuth's init_genrand). */
  constructor(seed: number) {
    let s = seed >>> 0;
    for (let i = 0; i < 624; i++) {
      this.mt[i] = s;
      const x = s ^ (s >>> 30);
      s = (Math.imul(1812433253, x) + i + 1) >>> 0;
    }
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < 624; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7fffffff);
      mt[i] = mt[(i + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.pos = 0;
  }

  uint32(): number {
    if (this.pos >= 624) this.twist();
    let y = this.mt[this.pos++];
    y ^= y >>> 11;
    y = (y ^ ((y << 7) & 0x9d2c5680)) >>> 0;
    y = (y ^ ((y << 15) & 0xefc60000)) >>> 0;
    return (y ^ (y >>> 18)) >>> 0;
  }

  /** random_sample(): 53 bits, as numpy's legacy double. */
  next(): number {
    const a = this.uint32() >>> 5;
    const b = this.uint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** What suggestTpe needs of an Rng (next, uniform); int/normal are not used by uniform matrices. */
  asRng(): Rng {
    return this as unknown as Rng;
  }
}
