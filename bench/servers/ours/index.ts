/**
 * "ours" for the benchmark: the project's real Worker and Room, unchanged. The only additions are
 * a subclass that, in rooms whose name starts with `idle-`, prints one `BENCH_WAKE` line each time
 * the object's code runs (constructor or entry point); the benchmark counts those lines in
 * wrangler's output. Other rooms run the Room's code with one extra call and a boolean test. And
 * the benchmark's `GET /__bench/gc` (../bench-gc.ts), answered before the project's Worker sees
 * the request, as bare's and floor's router does.
 */

import type { Env } from "../../../src/env";
import app from "../../../src/index";
import { Room as ProjectRoom } from "../../../src/room/room";
import { BENCH_GC_PATH, benchGc } from "../bench-gc.ts";

/**
 * (h) in two processes (load/sharded-pair.ts): `GET /__bench/touch?name=room~k` creates (or keeps
 * awake) object `room~k` through this session's own namespace, so that it knows its name: an
 * object first reached through another session's binding has no `ctx.id.name`.
 */
const TOUCH_PATH = "/__bench/touch";

async function touch(request: Request, env: Env): Promise<Response> {
	const name = new URL(request.url).searchParams.get("name") ?? "";
	const occupancy = await env.ROOMS.get(env.ROOMS.idFromName(name)).occupancy();
	return Response.json(occupancy);
}

export default {
	fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
		// A string test, not a URL parse: the project's Worker parses the upgrade's URL itself.
		if (request.url.endsWith(BENCH_GC_PATH)) return benchGc();
		if (request.url.includes(TOUCH_PATH)) return touch(request, env);
		return app.fetch(request, env, ctx);
	},
} satisfies ExportedHandler<Env>;

export class Room extends ProjectRoom {
	readonly #traced: boolean;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#traced = ctx.id.name?.startsWith("idle-") === true;
		this.#wake("constructor");
	}

	override fetch(request: Request): Promise<Response> {
		this.#wake("fetch");
		return super.fetch(request);
	}

	override webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
		this.#wake("webSocketMessage");
		return super.webSocketMessage(ws, data);
	}

	override webSocketClose(ws: WebSocket, code: number, reason: string, wasClean: boolean): Promise<void> {
		this.#wake("webSocketClose");
		return super.webSocketClose(ws, code, reason, wasClean);
	}

	override webSocketError(ws: WebSocket, error: unknown): Promise<void> {
		this.#wake("webSocketError");
		return super.webSocketError(ws, error);
	}

	override alarm(): Promise<void> {
		this.#wake("alarm");
		return super.alarm();
	}

	#wake(entryPoint: string): void {
		if (this.#traced) console.log(`BENCH_WAKE ${this.ctx.id.name} ${entryPoint}`);
	}
}
