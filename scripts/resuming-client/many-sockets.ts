/**
 * Helpers for thousands of WebSockets in one Node process (the benchmark's load generator and the
 * restart drills): start them with a bounded number of handshakes in flight, close them in
 * batches, and close one cleanly without ever waiting on it for long.
 */
import WebSocket from "ws";

/**
 * Runs `task(0 … count-1)` with at most `concurrency` running at once; the results in index
 * order. The first failure rejects; no task starts after it (those running go on).
 */
export async function mapConcurrently<T>(
	count: number,
	concurrency: number,
	task: (index: number) => Promise<T>,
): Promise<T[]> {
	const results: T[] = new Array(count);
	let next = 0;
	let failed = false;
	const worker = async () => {
		while (next < count && !failed) {
			const index = next++;
			try {
				results[index] = await task(index);
			} catch (error) {
				failed = true;
				throw error;
			}
		}
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
	return results;
}

/** Runs `task` on every item, `batchSize` at a time (closing thousands at once floods the server). */
export async function inBatches<T>(items: readonly T[], batchSize: number, task: (item: T) => Promise<void>) {
	for (let i = 0; i < items.length; i += batchSize) {
		await Promise.all(items.slice(i, i + batchSize).map(task));
	}
}

/** Closes with `code` and waits for the close handshake, at most `timeoutMs`; then terminates. */
export function closeWebSocket(socket: WebSocket, code: number, reason: string, timeoutMs = 5000): Promise<void> {
	if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
	return new Promise((done) => {
		const timer = setTimeout(() => {
			socket.terminate();
			done();
		}, timeoutMs);
		socket.once("close", () => {
			clearTimeout(timer);
			done();
		});
		if (socket.readyState === WebSocket.CONNECTING) {
			socket.terminate();
			return;
		}
		try {
			socket.close(code, reason);
		} catch {
			socket.terminate();
		}
	});
}
