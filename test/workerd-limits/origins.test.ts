import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { TEST_ALLOWED_ORIGIN } from "../support/pinned-vars";
import { roomToken } from "../support/tokens";
import { connect, upgrade } from "../workerd/connect";

describe("allowed origins (ALLOWED_ORIGINS set)", () => {
	it("refuses an upgrade from a foreign origin with 403 FORBIDDEN", async () => {
		const response = await upgrade(randomRoom(), {
			query: { token: await roomToken() },
			headers: { Origin: "https://evil.example" },
		});
		expect(response.status).toBe(403);
		expect(await response.json()).toMatchObject({ error: { code: "FORBIDDEN" } });
	});

	it("refuses a look-alike origin (another scheme, port or suffix)", async () => {
		for (const origin of ["http://app.example", "https://app.example:8443", "https://app.example.evil", "null"]) {
			const response = await upgrade(randomRoom(), {
				query: { token: await roomToken() },
				headers: { Origin: origin },
			});
			expect(response.status, origin).toBe(403);
		}
	});

	it("accepts a listed origin, in any letter case", async () => {
		const token = await roomToken();
		await connect(randomRoom(), { query: { token }, headers: { Origin: TEST_ALLOWED_ORIGIN } });
		await connect(randomRoom(), { query: { token }, headers: { Origin: "HTTPS://APP.EXAMPLE" } });
		await connect(randomRoom(), { query: { token }, headers: { Origin: "http://localhost:8787" } });
	});

	it("accepts an upgrade without an Origin (a server or a command-line client)", async () => {
		await connect(randomRoom(), { query: { token: await roomToken() } });
	});
});
