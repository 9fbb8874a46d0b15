/**
 * Two `wrangler dev`s for the whole e2e project, started in parallel before the first test file
 * and stopped (workerd included) after the last: one in development mode, one with every
 * access control and limit on. Both get every Worker variable pinned (test/support/pinned-vars.ts).
 */
import type { TestProject } from "vitest/node";
import { DEVELOPMENT_VARS, E2E_SECURED_VARS } from "../support/pinned-vars";
import { startWranglerDev, stopWranglerDev, type WranglerDev } from "./wrangler-dev";

declare module "vitest" {
	export interface ProvidedContext {
		/** `http://127.0.0.1:PORT` of the development-mode `wrangler dev`. */
		baseUrl: string;
		/** The same for the secured one. */
		securedUrl: string;
	}
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
	const started = await Promise.allSettled([
		startWranglerDev({ vars: DEVELOPMENT_VARS }),
		startWranglerDev({ vars: E2E_SECURED_VARS }),
	]);
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
