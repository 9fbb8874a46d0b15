/**
 * The test setups pin every variable the Worker reads (test/support/pinned-vars.ts), so that a
 * developer's .dev.vars, .env or shell cannot change what a test sees. Held here to the Worker's
 * own list of variables, and to what the Worker makes of the development-mode set.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { Env } from "../../src/env";
import { DEFAULT_SETTINGS, readSettings } from "../../src/settings";
import { readAccess } from "../../src/worker/access";
import {
	DEVELOPMENT_VARS,
	E2E_DEVELOPMENT_VARS,
	E2E_SECURED_VARS,
	WORKER_VARIABLES,
	WORKERD_LIMITS_VARS,
	WORKERD_PRESENCE_VARS,
	WORKERD_VARS,
	type WorkerVariable,
} from "../support/pinned-vars";

/** The names of `Env`'s string fields: the variables, not the bindings. */
type EnvVariable = { [Name in keyof Env]-?: NonNullable<Env[Name]> extends string ? Name : never }[keyof Env];

/** The same names read from the source, for a check that runs as well as compiles. */
function envVariablesInSource(): string[] {
	const source = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "../../src/env.ts"), "utf8");
	const body = /export interface Env \{([^}]*)\}/.exec(source)?.[1] ?? "";
	return [...body.matchAll(/^\s*([A-Z][A-Z0-9_]*)\?: string;/gm)].map((match) => match[1] ?? "");
}

const PINNED_SETS = {
	"workerd project": WORKERD_VARS,
	"workerd-limits project": WORKERD_LIMITS_VARS,
	"workerd-presence project": WORKERD_PRESENCE_VARS,
	"e2e, development mode": E2E_DEVELOPMENT_VARS,
	"e2e, secured": E2E_SECURED_VARS,
};

describe("the variables the tests pin", () => {
	it("are exactly the Worker's variables", () => {
		expectTypeOf<WorkerVariable>().toEqualTypeOf<EnvVariable>();
		const inSource = envVariablesInSource();
		expect(inSource.length).toBeGreaterThanOrEqual(10);
		expect([...WORKER_VARIABLES].sort()).toEqual(inSource.sort());
	});

	it.each(Object.entries(PINNED_SETS))("name every one of them for the %s", (_, vars) => {
		expect(Object.keys(vars).sort()).toEqual([...WORKER_VARIABLES].sort());
		for (const value of Object.values(vars)) expect(typeof value).toBe("string");
	});

	it("in development mode turn every access check off and leave every limit at its default", () => {
		const warnings: string[] = [];
		expect(readAccess(DEVELOPMENT_VARS)).toEqual({});
		expect(readSettings(DEVELOPMENT_VARS, (text) => warnings.push(text))).toEqual(DEFAULT_SETTINGS);
		expect(warnings).toEqual([]);
	});

	it("in the secured setups turn every access check on", () => {
		for (const vars of [WORKERD_LIMITS_VARS, E2E_SECURED_VARS]) {
			const access = readAccess(vars);
			expect(access.authSecret).toBeTruthy();
			expect(access.publishKey).toBeTruthy();
			expect(access.allowedOrigins?.size).toBeGreaterThan(0);
		}
	});
});
