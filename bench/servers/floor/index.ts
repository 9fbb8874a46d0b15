/**
 * The least a join can cost on this runtime, in three steps, chosen by the room's name:
 *
 * - `plain-*`: bare's join (bench/servers/bare): the upgrade accepted, nothing sent;
 * - `trip-*`: the same, plus the round trip every protocol client makes (docs/PROTOCOL.md): a
 *   `ConnectionEstablished` sent at the accept, and a `Registered` sent back for the `Register`;
 * - `row-*`: the same, plus one SQLite row written in the `Register`'s turn, as the durable roster
 *   requires (issue 14: "written in the same turn as the change").
 *
 * Nothing is parsed, checked, listed or announced: the frames are constants the benchmark's client
 * recognises by their first bytes. What ours does beyond `row-*` is the protocol's own work. The
 * benchmark's presence-mode joins start it beside ours and join `row-*` rooms in ours' count turns
 * (`countJoinVsFloor`, bench/load/join-floor.ts); the probe bench/probes/join-floor.ts uses all three.
 */
import { DurableObject } from "cloudflare:workers";
import { roomRouter } from "../room-router";

interface Env {
	FLOOR: DurableObjectNamespace<Floor>;
}

const ESTABLISHED = '{"eventType":"ServerEvent","event":"ConnectionEstablished","data":{}}';
const REGISTERED = '{"eventType":"ServerEvent","event":"Registered","requestId":"r","data":{"users":[]}}';

export class Floor extends DurableObject<Env> {
	readonly #step: "plain" | "trip" | "row";
	#tableReady = false;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		const name = ctx.id.name ?? "";
		this.#step = name.startsWith("row-") ? "row" : name.startsWith("trip-") ? "trip" : "plain";
		ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
	}

	override async fetch(_request: Request): Promise<Response> {
		const pair = new WebSocketPair();
		this.ctx.acceptWebSocket(pair[1]);
		if (this.#step !== "plain") pair[1].send(ESTABLISHED);
		return new Response(null, { status: 101, webSocket: pair[0] });
	}

	override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
		if (this.#step === "plain") return;
		if (this.#step === "row") {
			if (!this.#tableReady) {
				this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS presence (connection_id TEXT PRIMARY KEY, frame TEXT)");
				this.#tableReady = true;
			}
			this.ctx.storage.sql.exec("INSERT OR REPLACE INTO presence VALUES (?, ?)", crypto.randomUUID(), String(data));
		}
		ws.send(REGISTERED);
	}

	override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
		try {
			ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
		} catch {
			// already closed
		}
	}
}

export default roomRouter<Env>((env) => env.FLOOR);
