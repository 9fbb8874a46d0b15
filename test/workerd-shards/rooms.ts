/**
 * Helpers for rooms spread over objects of 2 (workerd-shards): five registered members landing on
 * the root, shard 1 and shard 2, each object's stub, and a barrier for what the room streamed.
 */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { ServerFrame } from "../../src/protocol";
import { shardObjectName } from "../../src/room/shards/names";
import type { FrameOf, TestClient } from "../support/client";
import { type ConnectedClient, connect } from "../workerd/connect";

export function objectStub(room: string, shard: number) {
	return env.ROOMS.get(env.ROOMS.idFromName(shardObjectName(room, shard)));
}

export interface Member {
	userId: string;
	client: ConnectedClient;
	shard: number;
}

/** Connects and registers `userIds` one after the other, so that they fill the root, then shard 1, then 2. */
export async function members(room: string, userIds: string[], extra: Record<string, unknown> = {}) {
	const joined: Member[] = [];
	for (const userId of userIds) {
		const client = await connect(room);
		const registered = await client.register(userId, extra);
		expect(registered.event, JSON.stringify(registered)).toBe("Registered");
		joined.push({ userId, client, shard: client.established.data.shard ?? 0 });
	}
	return joined;
}

/** The seqs of the messages a client received, in the order it received them. */
export const seqsOf = (client: TestClient) => client.received("Message").map((frame) => frame.data.seq);

/** The messages' values a client received, in order. */
export const valuesOf = (client: TestClient) => client.received("Message").map((frame) => frame.data.message);

/**
 * Waits until `client` has received the message `seq`. The room streams in seq order, so every
 * earlier message meant for it is here too: what has not come by then is not coming.
 */
export function reached(client: TestClient, seq: number, timeoutMs = 5000): Promise<ServerFrame> {
	return client.waitFor(
		(frame) => frame.event === "Message" && (frame as FrameOf<"Message">).data.seq === seq,
		timeoutMs,
		`Message ${seq}`,
	);
}

/** Sends a message and returns its acknowledgement's seq. */
export async function send(client: TestClient, message: unknown, extra: Record<string, unknown> = {}) {
	const ack = await client.request("SendMessage", { message, ...extra });
	expect(ack.event, JSON.stringify(ack)).toBe("MessageAck");
	return (ack as FrameOf<"MessageAck">).data.seq;
}
