/**
 * The shard indices that may have room, lowest first, without scanning every shard per placement
 * (a room of 1,000,000 connections over small shards has many). Every index from 1 to the highest
 * opened that is not full is in the heap; an index that filled up stays there until `lowest`
 * meets it and drops it, and is put back when a place in it frees.
 */
export class OpenIndices {
	readonly #heap: number[] = [];
	readonly #inHeap = new Set<number>();
	/** The highest index ever opened; the next new one is this plus one. */
	#highest = 0;

	get highest(): number {
		return this.#highest;
	}

	/** The lowest index for which `hasRoom` holds, opening the next new index when none does. */
	lowest(hasRoom: (index: number) => boolean): number {
		for (let top = this.#heap[0]; top !== undefined; top = this.#heap[0]) {
			if (hasRoom(top)) return top;
			this.#pop();
			this.#inHeap.delete(top);
		}
		this.#highest++;
		this.reopen(this.#highest);
		return this.#highest;
	}

	/** Index `index` may have room again. */
	reopen(index: number): void {
		if (index < 1 || index > this.#highest || this.#inHeap.has(index)) return;
		this.#inHeap.add(index);
		this.#push(index);
	}

	/** An index known from elsewhere (a shard reporting in): every index below it counts as opened. */
	reach(index: number): void {
		while (this.#highest < index) {
			this.#highest++;
			this.reopen(this.#highest);
		}
	}

	#push(value: number): void {
		const heap = this.#heap;
		heap.push(value);
		let at = heap.length - 1;
		while (at > 0) {
			const parent = (at - 1) >> 1;
			if ((heap[parent] as number) <= value) break;
			heap[at] = heap[parent] as number;
			at = parent;
		}
		heap[at] = value;
	}

	#pop(): void {
		const heap = this.#heap;
		const last = heap.pop();
		if (last === undefined || heap.length === 0) return;
		let at = 0;
		for (;;) {
			const left = 2 * at + 1;
			if (left >= heap.length) break;
			const right = left + 1;
			const child = right < heap.length && (heap[right] as number) < (heap[left] as number) ? right : left;
			if ((heap[child] as number) >= last) break;
			heap[at] = heap[child] as number;
			at = child;
		}
		heap[at] = last;
	}
}
