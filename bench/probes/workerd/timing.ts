/** Timers for the workerd probes: local workerd advances its clock during execution, so performance.now() measures here. */

/** Runs `run` `n` times in one turn and prints its cost each. */
export function time(label: string, n: number, run: (i: number) => void): void {
	const started = performance.now();
	for (let i = 0; i < n; i++) run(i);
	const us = ((performance.now() - started) * 1000) / n;
	console.log(`PROBE ${label}: ${us.toFixed(2)} µs each`);
}

/** Runs `run` `n` times, each in a turn of its own whose writes are committed before the next: what a request costs in all. */
export async function timeTurns(
	storage: DurableObjectStorage,
	label: string,
	n: number,
	run: (i: number) => void,
): Promise<void> {
	const started = performance.now();
	for (let i = 0; i < n; i++) {
		run(i);
		await storage.sync();
	}
	const us = ((performance.now() - started) * 1000) / n;
	console.log(`PROBE ${label}: ${us.toFixed(2)} µs per turn`);
}
