/** Latency samples and their percentiles. */

export interface Summary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export const EMPTY_SUMMARY: Summary = Object.freeze({ count: 0, p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN });

/** A growable Float64Array: appending a sample costs no allocation in the hot path. */
export class SampleBuffer {
  #data: Float64Array;
  #length = 0;

  constructor(initialCapacity = 4_096) {
    this.#data = new Float64Array(initialCapacity);
  }

  get length(): number {
    return this.#length;
  }

  push(value: number): void {
    if (this.#length === this.#data.length) {
      const grown = new Float64Array(this.#data.length * 2);
      grown.set(this.#data);
      this.#data = grown;
    }
    this.#data[this.#length++] = value;
  }

  /** A copy of the samples (safe to sort or send over IPC). */
  values(): Float64Array {
    return this.#data.slice(0, this.#length);
  }
}

/** Nearest-rank percentile of sorted samples. */
function rank(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index] ?? NaN;
}

/** Percentiles of any number of sample sets taken together (the input is not modified). */
export function summarize(...parts: readonly ArrayLike<number>[]): Summary {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  if (total === 0) return EMPTY_SUMMARY;
  const sorted = new Float64Array(total);
  let offset = 0;
  let sum = 0;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      const value = part[i] ?? 0;
      sorted[offset++] = value;
      sum += value;
    }
  }
  sorted.sort();
  return {
    count: total,
    p50: rank(sorted, 0.5),
    p90: rank(sorted, 0.9),
    p99: rank(sorted, 0.99),
    max: sorted[total - 1] ?? NaN,
    mean: sum / total,
  };
}

/** The median of a few repeated timings. */
export function median(values: readonly number[]): number {
  return summarize(values).p50;
}
