/** The Worker here sees the variables vitest.config.ts pins: presence 1.1 at its defaults. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { WORKERD_PRESENCE_VARS, workerVariablesOf } from "../support/pinned-vars";

describe("the workerd-presence project's environment", () => {
	it("holds exactly the pinned variables: a leave grace of 10 s and 50 ms presence windows", () => {
		expect(workerVariablesOf(env)).toEqual(WORKERD_PRESENCE_VARS);
		expect(WORKERD_PRESENCE_VARS).toMatchObject({ LEAVE_GRACE_SECONDS: "10", PRESENCE_BATCH_MS: "50" });
	});
});
