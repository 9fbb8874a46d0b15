/**
 * "ours" for the benchmark: the project's real Worker and Room, unchanged. The only addition is a
 * subclass that, in rooms whose name starts with `idle-`, prints one `BENCH_WAKE` line each time
 * the object's code runs (constructor or entry point); the benchmark counts those lines in
 * wrangler's output. Other rooms run the Room's code with one extra call and a boolean test.
 */

import type { Env } from "../../../src/env";
import { Room as ProjectRoom } from "../../../src/room/room";

export { default } from "../../../src/index";

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
