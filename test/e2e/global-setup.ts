/**
 * One `wrangler dev` for the whole e2e project: started before the first test file, shared by
 * all of them through `inject("baseUrl")`, and stopped (workerd included) after the last.
 */
import type { TestProject } from "vitest/node";
import { startWranglerDev, stopWranglerDev } from "./wrangler-dev";

declare module "vitest" {
	export interface ProvidedContext {
		/** `http://127.0.0.1:PORT` of the running `wrangler dev`. */
		baseUrl: string;
	}
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
	const dev = await startWranglerDev();
	project.provide("baseUrl", dev.origin);
	return async () => {
		await stopWranglerDev(dev);
	};
}
