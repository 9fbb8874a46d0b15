/** Filling a room with messages quickly, and reading them back, for the history tests. */
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import type { Message, MessagesPage } from "../../src/protocol";
import type { TestClient } from "../support/client";
import { roomUrl } from "./connect";

/** The workerd project's HISTORY_LIMIT (vitest.config.ts). */
export const TEST_HISTORY_LIMIT = 120;

/**
 * Sends `count` messages without waiting between them, then waits for every ack; returns the
 * acked seqs in order. Messages are `${label}-${i}`.
 */
export async function sendMany(client: TestClient, count: number, label = "m"): Promise<number[]> {
	const replies = Array.from({ length: count }, (_, i) => client.request("SendMessage", { message: `${label}-${i}` }));
	const acks = await Promise.all(replies);
	return acks.map((ack) => {
		if (ack.event !== "MessageAck") throw new Error(`expected MessageAck, got ${JSON.stringify(ack)}`);
		return ack.data.seq;
	});
}

export function seqs(messages: Message[]): number[] {
	return messages.map((message) => message.seq);
}

export function range(from: number, to: number): number[] {
	return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

export async function getMessages(room: string, query = ""): Promise<Response> {
	return exports.default.fetch(roomUrl(room, `messages${query}`));
}

export async function messagesPage(room: string, query = ""): Promise<MessagesPage> {
	const response = await getMessages(room, query);
	expect(response.status).toBe(200);
	expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
	return response.json();
}
