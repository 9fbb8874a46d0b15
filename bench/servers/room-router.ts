/**
 * The Worker in front of the benchmark's own relays (bare, floor): `GET /health`, the benchmark's
 * `GET /__bench/gc` (bench-gc.ts), and `/rooms/:room/ws` handed to the room's Durable Object,
 * found by name. Nothing else, so that what the relay behind it costs is what is measured.
 */
import { BENCH_GC_PATH, benchGc } from "./bench-gc.ts";

export function roomRouter<Env>(rooms: (env: Env) => DurableObjectNamespace): ExportedHandler<Env> {
	return {
		async fetch(request: Request, env: Env): Promise<Response> {
			const path = new URL(request.url).pathname;
			if (path === "/health") return Response.json({ ok: true });
			if (path === BENCH_GC_PATH) return benchGc();
			const match = /^\/rooms\/([^/]+)\/ws$/.exec(path);
			if (!match?.[1]) return new Response("not found", { status: 404 });
			const namespace = rooms(env);
			return namespace.get(namespace.idFromName(match[1])).fetch(request);
		},
	};
}
