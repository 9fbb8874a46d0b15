import type { Env as RoomsEnv } from "../../src/env";

declare global {
	namespace Cloudflare {
		interface Env extends RoomsEnv {
			/** Fuzz run size and seed (test/workerd/fuzz.test.ts), from the environment through vitest.config.ts. */
			FUZZ_FRAMES?: string;
			FUZZ_SEED?: string;
		}
		interface GlobalProps {
			mainModule: typeof import("../../src/index");
			durableNamespaces: "Room";
		}
	}
}
