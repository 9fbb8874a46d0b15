/**
 * (1.4) Webhook signatures as Standard Webhooks make them: the specification's own test vector,
 * the npm `standardwebhooks` library as the other side, and `verifyRoomEvents` refusing what it must.
 */
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { importWebhookKey, signWebhook, WebhookHeaders, webhookKeyBytes } from "../../src/protocol";
import { RoomEventsVerificationError, verifyRoomEvents } from "../../src/server/verify-events";
import { standardWebhook } from "../support/standard-webhooks";

/** The Standard Webhooks specification's example. */
const VECTOR = {
	secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
	timestamp: 1614265330,
	body: '{"test": 2432232314}',
	signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

const EVENTS = {
	events: [
		{ id: "evt_1", type: "room.occupied", room: "lobby", seq: 1, at: 1_700_000_000_000, data: { userCount: 1 } },
		{
			id: "evt_2",
			type: "user.joined",
			room: "lobby",
			seq: 2,
			at: 1_700_000_000_000,
			data: { user: { userId: "ann", name: "Ann", meta: {}, connections: 1, joinedAt: 1_700_000_000_000 } },
		},
	],
};

async function signed(secret: string, body: string, timestamp: number, id = "msg_1") {
	const signature = await signWebhook(await importWebhookKey(secret), id, timestamp, body);
	return {
		headers: {
			[WebhookHeaders.id]: id,
			[WebhookHeaders.timestamp]: String(timestamp),
			[WebhookHeaders.signature]: signature,
		},
		body,
	};
}

describe("signWebhook", () => {
	it("gives the specification's signature for its example", async () => {
		const key = await importWebhookKey(VECTOR.secret);
		expect(await signWebhook(key, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
	});

	it.each([
		["a whsec_ secret", "whsec_c2VjcmV0LWJ5dGVzLWZvci10aGUtdGVzdA=="],
		["a plain secret (its UTF-8 bytes)", "plain secret, ünïcödé"],
	])("signs what the standardwebhooks library verifies, with %s", async (_, secret) => {
		const now = Math.floor(Date.now() / 1000);
		const request = await signed(secret, JSON.stringify(EVENTS), now);
		expect(standardWebhook(secret).verify(request.body, request.headers)).toEqual(EVENTS);
	});

	it("keys with the decoded base64 after whsec_, else with the UTF-8 bytes of the whole secret", () => {
		expect([...webhookKeyBytes("whsec_AAEC")]).toEqual([0, 1, 2]);
		expect(new TextDecoder().decode(webhookKeyBytes("whsec_not base64!"))).toBe("whsec_not base64!");
		expect(new TextDecoder().decode(webhookKeyBytes("s3cret"))).toBe("s3cret");
	});
});

describe("verifyRoomEvents", () => {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
	const now = 1_700_000_000_000;
	const at = now / 1000;

	it("gives the events of a request the standardwebhooks library signed", async () => {
		const body = JSON.stringify(EVENTS);
		const headers = { "webhook-id": "msg_x", "webhook-timestamp": String(at), "webhook-signature": "" };
		headers["webhook-signature"] = new Webhook(secret).sign("msg_x", new Date(now), body);
		expect(await verifyRoomEvents({ headers, body }, secret, { now })).toEqual(EVENTS);
	});

	it("reads a Request, and takes any of several signatures (a secret being rotated)", async () => {
		const { headers, body } = await signed(secret, JSON.stringify(EVENTS), at);
		const other = await signed("whsec_b3RoZXI=", body, at);
		headers["webhook-signature"] = `${other.headers["webhook-signature"]} ${headers["webhook-signature"]}`;
		const request = new Request("https://backend.example/hook", { method: "POST", headers, body });
		expect((await verifyRoomEvents(request, secret, { now })).events).toHaveLength(2);
	});

	it.each([
		["another secret", { secret: "whsec_b3RoZXI=" }, "signature"],
		["a changed body", { body: JSON.stringify({ events: [] }) }, "signature"],
		["a timestamp 6 minutes off", { now: now + 6 * 60_000 }, "timestamp"],
		["no signature header", { drop: "webhook-signature" }, "missing-headers"],
		["no id header", { drop: "webhook-id" }, "missing-headers"],
	])(
		"refuses a request with %s",
		async (_, change: { secret?: string; body?: string; now?: number; drop?: string }, problem) => {
			const request = await signed(secret, JSON.stringify(EVENTS), at);
			const headers: Record<string, string> = { ...request.headers };
			if (change.drop) delete headers[change.drop];
			const attempt = verifyRoomEvents({ headers, body: change.body ?? request.body }, change.secret ?? secret, {
				now: change.now ?? now,
			});
			await expect(attempt).rejects.toBeInstanceOf(RoomEventsVerificationError);
			await expect(attempt).rejects.toMatchObject({ problem });
		},
	);

	it("refuses a signed body that is not a list of events", async () => {
		for (const body of ["not json", "{}", '{"events":[{"id":1}]}']) {
			const request = await signed(secret, body, at);
			await expect(verifyRoomEvents(request, secret, { now })).rejects.toMatchObject({ problem: "body" });
		}
	});
});
