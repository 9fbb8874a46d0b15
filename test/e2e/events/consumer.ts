/**
 * The e2e test's Queue consumer Worker, in the same `wrangler dev` session as the rooms: it
 * forwards each batch of room events to the test's receiver (RECEIVER_URL) and acknowledges it
 * only once the receiver took it.
 */
interface Batch {
	messages: readonly { body: unknown }[];
	ackAll(): void;
	retryAll(): void;
}

export default {
	async queue(batch: Batch, env: { RECEIVER_URL: string }): Promise<void> {
		const response = await fetch(env.RECEIVER_URL, {
			method: "POST",
			headers: { "Content-Type": "application/json" },
			body: JSON.stringify(batch.messages.map((message) => message.body)),
		});
		if (response.ok) batch.ackAll();
		else batch.retryAll();
	},
};
