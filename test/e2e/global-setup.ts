/**
 * Two `wrangler dev`s for the whole e2e project, started in parallel before the first test file
 * and stopped (workerd included) after the last: one in development mode, one with every
 * access control and limit on. Both get every Worker variable pinned (test/support/pinned-vars.ts)
 * and read neither .dev.vars nor .env (scripts/local-server/wrangler-dev-command.ts).
 */
import type { TestProject } from "vitest/node";
import { freePorts } from "../../scripts/local-server/loopback.ts";
import { startWranglerDev, type WranglerDev } from "../../scripts/local-server/wrangler-dev.ts";
import { E2E_DEVELOPMENT_VARS, E2E_SECURED_VARS } from "../support/pinned-vars";

declare module "vitest" {
	export interface ProvidedContext {
		/** `http://127.0.0.1:PORT` of the development-mode `wrangler dev`. */
		baseUrl: string;
		/** The same for the secured one. */
		securedUrl: string;
		/** The secured one as `http://localhost:PORT`: an origin its ALLOWED_ORIGINS lists, where `securedUrl`'s is not. */
		securedAllowedUrl: string;
	}
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
	const echo = Boolean(process.env.E2E_VERBOSE);
	const [securedPort] = (await freePorts(1)) as [number];
	const securedAllowedUrl = `http://localhost:${securedPort}`;
	const securedVars = {
		...E2E_SECURED_VARS,
		ALLOWED_ORIGINS: `${E2E_SECURED_VARS.ALLOWED_ORIGINS}, ${securedAllowedUrl}`,
	};
	const started = await Promise.allSettled([
		startWranglerDev({ name: "e2e-open", vars: E2E_DEVELOPMENT_VARS, echo }),
		startWranglerDev({ name: "e2e-secured", port: securedPort, vars: securedVars, echo }),
	]);
	const servers = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
	const stopAll = async () => {
		await Promise.all(servers.map((dev: WranglerDev) => dev.stop()));
	};
	const failed = started.find((result) => result.status === "rejected");
	if (failed) {
		await stopAll();
		throw failed.reason;
	}
	const [open, secured] = servers as [WranglerDev, WranglerDev];
	project.provide("baseUrl", open.origin);
	project.provide("securedUrl", secured.origin);
	project.provide("securedAllowedUrl", securedAllowedUrl);
	return stopAll;
}
