/**
 * The Worker here sees the variables vitest.config.ts pins, whatever a developer's .dev.vars or
 * .env holds: wrangler's config reads those files too, and the pinned bindings must win.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { WORKERD_BATCH_VARS, workerVariablesOf } from "../support/pinned-vars";

describe("the workerd-batch project's environment", () => {
	it("holds exactly the pinned variables: a one-second hold and a 128 KiB backlog bound", () => {
		expect(workerVariablesOf(env)).toEqual(WORKERD_BATCH_VARS);
	});
});
