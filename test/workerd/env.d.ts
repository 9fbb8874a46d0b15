declare namespace Cloudflare {
	interface Env extends import("../../src/settings").Env {}
	interface GlobalProps {
		mainModule: typeof import("../../src/index");
		durableNamespaces: "Room";
	}
}
