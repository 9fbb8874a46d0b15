/**
 * Two `wrangler dev`s for the whole e2e project, started in parallel before the first test file
 * and stopped (workerd included) after the last: one in development mode, one with every
 * access control and limit on (the values in test/support/tokens.ts).
 */
import type { TestProject } from "vitest/node";
import { TEST_ALLOWED_ORIGIN, TEST_AUTH_SECRET, TEST_PUBLISH_KEY } from "../support/tokens";
import { startWranglerDev, stopWranglerDev, type WranglerDev } from "./wrangler-dev";

declare module "vitest" {
	export interface ProvidedContext {
		/** `http://127.0.0.1:PORT` of the development-mode `wrangler dev`. */
		baseUrl: string;
		/** The same for the secured one. */
		securedUrl: string;
	}
}

/** The secured server's variables: tokens, origins, publish key, and small limits to reach. */
export const SECURED_VARS = {
	AUTH_SECRET: TEST_AUTH_SECRET,
	ALLOWED_ORIGINS: TEST_ALLOWED_ORIGIN,
	PUBLISH_KEY: TEST_PUBLISH_KEY,
	MAX_CONNECTIONS: "3",
};

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
	const started = await Promise.allSettled([startWranglerDev(), startWranglerDev({ vars: SECURED_VARS })]);
	const servers = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
	const stopAll = async () => {
		await Promise.all(servers.map((dev: WranglerDev) => stopWranglerDev(dev)));
	};
	const failed = started.find((result) => result.status === "rejected");
	if (failed) {
		await stopAll();
		throw failed.reason;
	}
	const [open, secured] = servers as [WranglerDev, WranglerDev];
	project.provide("baseUrl", open.origin);
	project.provide("securedUrl", secured.origin);
	return stopAll;
}
