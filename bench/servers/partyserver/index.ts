/**
 * The partyserver peer: a room built the way partyserver's README shows (a hibernating `Server`,
 * `onConnect`/`onMessage`/`onClose`, `this.broadcast`), doing the same job as the real Room for
 * the benchmark's events: Register (roster, `Registered`, `UserJoined`), SendMessage (`MessageAck`
 * to the sender, `Message` to the others), Signal (`Signal` to the others, nothing kept, no reply),
 * UpdateUser (`Updated`, and `UserUpdated` to the others; scenario (j)) and close (`UserLeft`).
 * Each connection's identity is its partyserver state (kept in the hibernation attachment); the
 * roster is rebuilt in `onStart`, without meta (no scenario lets a room it updates hibernate).
 * Heartbeats are answered by the runtime, as in the real Room.
 *
 * In rooms whose name starts with `idle-` it prints one `BENCH_WAKE` line each time its code runs.
 */
import { type Connection, routePartykitRequest, Server } from "partyserver";
import { MiniRoster, messageFrames, parseFrame, serverFrame, signalFrame, userChanges } from "../mini-room.ts";

interface Identity {
	userId: string;
	name: string;
}

export class PartyRoom extends Server {
	static override options = { hibernate: true };
	readonly #roster = new MiniRoster();
	readonly #traced: boolean;

	constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
		super(ctx, env);
		this.#traced = ctx.id.name?.startsWith("idle-") === true;
		this.#wake("constructor");
		ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
	}

	override onStart(): void {
		this.#wake("onStart");
		for (const connection of this.getConnections<Identity>()) {
			const identity = connection.state;
			if (identity) this.#roster.add(identity.userId, identity.name, Date.now());
		}
	}

	override onConnect(connection: Connection): void {
		this.#wake("onConnect");
		connection.send(
			serverFrame("ConnectionEstablished", { protocol: 1, connectionId: connection.id, room: this.name }),
		);
	}

	override onMessage(connection: Connection<Identity>, message: string | ArrayBuffer): void {
		this.#wake("onMessage");
		if (typeof message !== "string") {
			connection.send(serverFrame("Error", { code: "BAD_FRAME", message: "binary frames are not accepted" }));
			return;
		}
		const frame = parseFrame(message);
		if (typeof frame === "string") {
			connection.send(frame);
			return;
		}
		const { requestId, requestData } = frame;
		if (frame.event === "Register") {
			const userId = requestData.userId;
			if (typeof userId !== "string" || userId === "") {
				connection.send(serverFrame("Error", { code: "BAD_REQUEST", message: "userId is required" }, requestId));
				return;
			}
			if (connection.state) {
				connection.send(serverFrame("Error", { code: "ALREADY_REGISTERED", message: "registered" }, requestId));
				return;
			}
			const name = typeof requestData.name === "string" ? requestData.name : userId;
			connection.setState({ userId, name });
			const { user, joined } = this.#roster.add(userId, name, Date.now());
			const self = { ...user, connectionId: connection.id };
			connection.send(serverFrame("Registered", { self, users: this.#roster.users() }, requestId));
			this.broadcast(serverFrame(joined ? "UserJoined" : "UserUpdated", { user }), [connection.id]);
			return;
		}
		if (frame.event === "SendMessage" || frame.event === "Signal") {
			const sender = connection.state;
			if (!sender) {
				connection.send(serverFrame("Error", { code: "NOT_REGISTERED", message: "Register first" }, requestId));
				return;
			}
			const from = { userId: sender.userId, name: sender.name };
			if (frame.event === "Signal") {
				this.broadcast(signalFrame(from, requestData.signal), [connection.id]);
				return;
			}
			const out = messageFrames(this.#roster, from, requestData.message, requestId, crypto.randomUUID());
			connection.send(out.ack);
			this.broadcast(out.frame, [connection.id]);
			return;
		}
		if (frame.event === "UpdateUser") {
			this.#updateUser(connection, requestData, requestId);
			return;
		}
		connection.send(serverFrame("Error", { code: "UNKNOWN_EVENT", message: frame.event }, requestId));
	}

	#updateUser(connection: Connection<Identity>, requestData: Record<string, unknown>, requestId?: string): void {
		const sender = connection.state;
		if (!sender) {
			connection.send(serverFrame("Error", { code: "NOT_REGISTERED", message: "Register first" }, requestId));
			return;
		}
		const changes = userChanges(requestData, requestId);
		if (typeof changes === "string") {
			connection.send(changes);
			return;
		}
		const change = this.#roster.update(sender.userId, changes);
		if (!change) return;
		if (change.user.name !== sender.name) connection.setState({ userId: sender.userId, name: change.user.name });
		connection.send(serverFrame("Updated", { self: { ...change.user, connectionId: connection.id } }, requestId));
		if (change.changed) this.broadcast(serverFrame("UserUpdated", { user: change.user }), [connection.id]);
	}

	override onClose(connection: Connection<Identity>): void {
		this.#wake("onClose");
		const identity = connection.state;
		if (!identity) return;
		const change = this.#roster.remove(identity.userId);
		if (!change) return;
		const frame = change.left
			? serverFrame("UserLeft", { user: { ...change.user, connections: 0 }, reason: "close" })
			: serverFrame("UserUpdated", { user: change.user });
		this.broadcast(frame, [connection.id]);
	}

	override onError(): void {
		this.#wake("onError");
	}

	#wake(entryPoint: string): void {
		if (this.#traced) console.log(`BENCH_WAKE ${this.ctx.id.name} ${entryPoint}`);
	}
}

export default {
	async fetch(request: Request, env: Cloudflare.Env): Promise<Response> {
		if (new URL(request.url).pathname === "/health") return Response.json({ ok: true });
		// partyserver's own routing: /parties/party-room/:room
		return (await routePartykitRequest(request, env)) ?? new Response("not found", { status: 404 });
	},
} satisfies ExportedHandler<Cloudflare.Env>;
