/** Numbers: a growable sample buffer, percentiles, medians. */

/** Float64 samples without per-sample allocation. */
export class Samples {
	#data = new Float64Array(1024);
	#length = 0;

	push(value: number): void {
		if (this.#length === this.#data.length) {
			const grown = new Float64Array(this.#data.length * 2);
			grown.set(this.#data);
			this.#data = grown;
		}
		this.#data[this.#length++] = value;
	}

	/** Appends all of another's samples. */
	add(other: Samples): void {
		for (const value of other.sorted()) this.push(value);
	}

	get length(): number {
		return this.#length;
	}

	/** In JSON, only how many (the samples themselves stay in memory for the report). */
	toJSON(): { count: number } {
		return { count: this.#length };
	}

	/** The sorted samples (a copy). */
	sorted(): Float64Array {
		return this.#data.slice(0, this.#length).sort();
	}
}

/** Nearest-rank percentile of sorted samples (p in 0..100); NaN when there are none. */
export function percentile(sorted: Float64Array, p: number): number {
	if (sorted.length === 0) return Number.NaN;
	const rank = Math.ceil((p / 100) * sorted.length);
	return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export interface LatencySummary {
	count: number;
	p50: number;
	p95: number;
	p99: number;
	max: number;
}

export function summarize(samples: Samples): LatencySummary {
	const sorted = samples.sorted();
	return {
		count: sorted.length,
		p50: percentile(sorted, 50),
		p95: percentile(sorted, 95),
		p99: percentile(sorted, 99),
		max: sorted.length ? (sorted[sorted.length - 1] as number) : Number.NaN,
	};
}

/** Median of the finite values; null when there are none. */
export function median(values: readonly (number | null | undefined)[]): number | null {
	const finite = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v)).sort((a, b) => a - b);
	if (finite.length === 0) return null;
	const mid = finite.length >> 1;
	return finite.length % 2 ? (finite[mid] as number) : ((finite[mid - 1] as number) + (finite[mid] as number)) / 2;
}

export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
	if (typeof a !== "number" || typeof b !== "number" || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) {
		return null;
	}
	return a / b;
}

/**
 * The geometric mean of positive ratios with the `trim` share of them at either end left out (a
 * fifth by default): steadier than a median of few, and a ratio that one stall set is dropped.
 * Null when none is left.
 */
export function trimmedGeometricMean(values: readonly (number | null | undefined)[], trim = 0.2): number | null {
	const logs = values
		.filter((v): v is number => typeof v === "number" && Number.isFinite(v) && v > 0)
		.map(Math.log)
		.sort((a, b) => a - b);
	const cut = Math.floor(logs.length * trim);
	const kept = logs.slice(cut, logs.length - cut);
	if (kept.length === 0) return null;
	return Math.exp(kept.reduce((sum, v) => sum + v, 0) / kept.length);
}

/**
 * The sum of `top` over the sum of `bottom` across items (null when the bottom sums to nothing): a
 * rate over several steps, each weighing by its size. Over every round's steps it is steadier than
 * a median of three rounds, each over a few steps of one second.
 */
export function pooledRatio<T>(
	items: readonly T[],
	top: (item: T) => number,
	bottom: (item: T) => number,
): number | null {
	let over = 0;
	let under = 0;
	for (const item of items) {
		over += top(item);
		under += bottom(item);
	}
	return under > 0 ? over / under : null;
}
