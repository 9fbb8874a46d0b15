/** (1.4) Without PUBLISH_KEY the directory is off, as the server routes are: 403, whatever is sent. */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

describe("GET /rooms without PUBLISH_KEY", () => {
	it.each([
		["no key", {}],
		["any key", { Authorization: "Bearer anything" }],
	])("is 403 FORBIDDEN with %s", async (_, headers) => {
		const response = await exports.default.fetch("http://rooms.test/rooms", { headers });
		expect(response.status).toBe(403);
		expect(await response.json()).toMatchObject({ error: { code: "FORBIDDEN" } });
	});
});
