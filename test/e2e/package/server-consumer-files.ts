/**
 * What a Worker project that installed the package writes to put rooms in its own Hono app: the
 * plain `Room` exported, the rooms mounted under `/api` with an `authorize` hook, a backend route
 * publishing with `getRoom`. The source is type-checked under `nodenext` and `bundler` resolution
 * with the strictest options a user may have on, against the Workers types.
 */

/** The Worker's entry, src/index.ts. */
export const WORKER_SOURCE = `
import * as server from "edge-rooms/server";
import { createRoomsApp, getRoom, Room } from "edge-rooms/server";
import { Hono } from "hono";

interface Env {
	ROOMS: DurableObjectNamespace<Room>;
}

const app = new Hono<{ Bindings: Env }>();
app.get("/health", (c) => c.json({ ok: true }));
app.get("/exports", (c) => c.json(Object.keys(server).sort()));

// The app's own sign-in, played by a header: a user is signed in as that user, "blocked" is refused,
// and without one the package's token rules decide (no AUTH_SECRET here: anyone may register).
app.route(
	"/api",
	createRoomsApp<Env>({
		authorize: (request) => {
			const user = request.headers.get("X-User");
			if (user === null) return undefined;
			if (user === "blocked") return new Response("blocked by the app", { status: 403 });
			return { userId: user, name: user.toUpperCase() };
		},
	}),
);

app.post("/publish/:room", async (c) => {
	const ack = await getRoom(c.env.ROOMS, c.req.param("room")).publish({ text: "from the backend" }, { from: "backend" });
	const seq: number = ack.seq;
	return c.json({ id: ack.id, seq, sentAt: ack.sentAt });
});

export { Room };
export default app;
`;

export const WRANGLER_TOML = `
name = "rooms-consumer"
main = "src/index.ts"
compatibility_date = "2026-11-01"
compatibility_flags = ["nodejs_compat"]

[[durable_objects.bindings]]
name = "ROOMS"
class_name = "Room"

[[migrations]]
tag = "v1"
new_sqlite_classes = ["Room"]
`;

/** The project's package.json before the test pins its versions (worker-project.ts). */
export const MANIFEST = {
	name: "rooms-consumer",
	private: true,
	type: "module",
	dependencies: { "edge-rooms": "^0.1.0", hono: "^4" },
	devDependencies: { "@cloudflare/workers-types": "*" },
};

const STRICT = {
	strict: true,
	exactOptionalPropertyTypes: true,
	noUncheckedIndexedAccess: true,
	noImplicitOverride: true,
	skipLibCheck: false,
	noEmit: true,
	target: "es2022",
	lib: ["es2022"],
	types: ["@cloudflare/workers-types"],
};

export const TSCONFIGS = {
	nodenext: {
		compilerOptions: { ...STRICT, module: "nodenext", moduleResolution: "nodenext" },
		files: ["src/index.ts"],
	},
	bundler: {
		compilerOptions: { ...STRICT, module: "esnext", moduleResolution: "bundler" },
		files: ["src/index.ts"],
	},
} as const;
