import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { roomToken } from "../support/tokens";
import { connect } from "../workerd/connect";

describe("MAX_MESSAGE_BYTES on the socket (4096 here)", () => {
	it("refuses a frame one byte over with MESSAGE_TOO_LARGE, echoing its requestId, and delivers nothing", async () => {
		const room = randomRoom();
		const watcher = await connect(room, { query: { token: await roomToken({ sub: "watcher" }) } });
		await watcher.request("Register", {});
		const client = await connect(room, { query: { token: await roomToken({ sub: "alice" }) } });
		await client.request("Register", {});
		await watcher.next("UserJoined");
		const frame = (size: number, requestId: string) => {
			const envelope = `{"eventType":"ClientEvent","event":"SendMessage","requestId":"${requestId}","requestData":{"message":""}}`;
			return envelope.replace('"message":""', `"message":"${"x".repeat(size - envelope.length)}"`);
		};
		expect(frame(4097, "big")).toHaveLength(4097);
		client.send(frame(4097, "big"));
		expect(await client.waitFor((f) => f.requestId === "big")).toMatchObject({
			event: "Error",
			data: { code: "MESSAGE_TOO_LARGE" },
		});
		client.send(frame(4096, "fits"));
		expect(await client.waitFor((f) => f.requestId === "fits")).toMatchObject({ event: "MessageAck" });
		await watcher.settle();
		expect(watcher.received("Message")).toHaveLength(1);
	});
});
