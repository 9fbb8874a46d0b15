/** No AUTH_SECRET, ALLOWED_ORIGINS or PUBLISH_KEY: what development mode allows, and what it still refuses. */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { connect, roomUrl } from "./connect";

describe("development mode", () => {
	it("lets anyone in without a token, from any origin, as any userId", async () => {
		const client = await connect(randomRoom(), { headers: { Origin: "https://anywhere.example" } });
		expect(await client.register("whoever")).toMatchObject({ event: "Registered" });
	});

	it("still takes no identity from a client's header: Register must name its userId", async () => {
		const client = await connect(randomRoom(), {
			headers: { "X-Edge-Rooms-Verified-Identity": JSON.stringify({ userId: "mallory" }) },
		});
		expect(await client.request("Register", {})).toMatchObject({
			event: "Error",
			data: { code: "BAD_REQUEST", message: "userId is required" },
		});
	});

	it("answers server publish with 403 FORBIDDEN, key or not: PUBLISH_KEY is not set", async () => {
		for (const authorization of [undefined, "Bearer anything"]) {
			const response = await exports.default.fetch(roomUrl(randomRoom(), "messages"), {
				method: "POST",
				headers: authorization ? { Authorization: authorization } : {},
				body: JSON.stringify({ message: "hi" }),
			});
			expect(response.status).toBe(403);
			expect(await response.json()).toMatchObject({ error: { code: "FORBIDDEN" } });
		}
	});
});
