/**
 * The runtime's limit: a Durable Object that accepts hibernatable sockets and relays each frame,
 * as received, to every other socket with `send()`. No parsing, no roster, no storage. The socket
 * list is built once per wake-up from `ctx.getWebSockets()` and then kept up to date on connect
 * and close, so a frame costs only its sends. Heartbeats are answered by the runtime
 * (`setWebSocketAutoResponse`), as in the real Room.
 *
 * In rooms whose name starts with `idle-` it prints one `BENCH_WAKE` line each time its code runs
 * (constructor or entry point), which the benchmark counts from wrangler's output.
 */
import { DurableObject } from "cloudflare:workers";
import { roomRouter } from "../room-router";

interface Env {
	BARE: DurableObjectNamespace<Bare>;
}

export class Bare extends DurableObject<Env> {
	readonly #traced: boolean;
	/** Every open socket; after hibernation the constructor rebuilds it from the runtime's list. */
	readonly #sockets: Set<WebSocket>;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#traced = ctx.id.name?.startsWith("idle-") === true;
		this.#wake("constructor");
		ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
		this.#sockets = new Set(ctx.getWebSockets());
	}

	override async fetch(_request: Request): Promise<Response> {
		this.#wake("fetch");
		const pair = new WebSocketPair();
		this.ctx.acceptWebSocket(pair[1]);
		this.#sockets.add(pair[1]);
		return new Response(null, { status: 101, webSocket: pair[0] });
	}

	override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
		this.#wake("webSocketMessage");
		for (const other of this.#sockets) {
			if (other === ws) continue;
			try {
				other.send(data);
			} catch {
				// closing: its close removes it
			}
		}
	}

	override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
		this.#wake("webSocketClose");
		this.#sockets.delete(ws);
		try {
			ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
		} catch {
			// already closed
		}
	}

	override async webSocketError(ws: WebSocket): Promise<void> {
		this.#wake("webSocketError");
		this.#sockets.delete(ws);
	}

	#wake(entryPoint: string): void {
		if (this.#traced) console.log(`BENCH_WAKE ${this.ctx.id.name} ${entryPoint}`);
	}
}

export default roomRouter<Env>((env) => env.BARE);
