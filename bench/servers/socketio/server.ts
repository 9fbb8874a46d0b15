/**
 * The Socket.IO peer: one process, Socket.IO rooms (`socket.join`, `socket.to(room).emit`), the
 * same job as the real Room for the benchmark's events, as Socket.IO events with acknowledgements
 * instead of request ids: `Register {userId}` → ack `{self, users}` and `UserJoined` to the room;
 * `SendMessage {message}` → ack `{id, seq, sentAt}` and `Message` to the room; `Signal {signal}` →
 * `Signal` to the room, nothing kept, no acknowledgement; disconnect → `UserLeft`.
 * WebSocket transport only, no compression. Listens on 127.0.0.1:PORT (argv[2]), prints `LISTENING`.
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { Server } from "socket.io";
import { MiniRoster } from "../mini-room.ts";

const rosters = new Map<string, MiniRoster>();

const http = createServer((request, response) => {
	if (request.url === "/health") {
		response.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
		return;
	}
	response.writeHead(404).end();
});
const io = new Server(http, { transports: ["websocket"], perMessageDeflate: false, serveClient: false });

type Ack = (reply: unknown) => void;

io.on("connection", (socket) => {
	const room = String(socket.handshake.query.room ?? "lobby");
	let roster = rosters.get(room);
	if (!roster) {
		roster = new MiniRoster();
		rosters.set(room, roster);
	}
	const own = roster;
	let identity: { userId: string; name: string } | undefined;

	socket.on("Register", (data: { userId?: unknown; name?: unknown }, ack: Ack) => {
		if (typeof data?.userId !== "string" || data.userId === "") {
			ack({ error: { code: "BAD_REQUEST", message: "userId is required" } });
			return;
		}
		if (identity) {
			ack({ error: { code: "ALREADY_REGISTERED", message: "registered" } });
			return;
		}
		identity = { userId: data.userId, name: typeof data.name === "string" ? data.name : data.userId };
		socket.join(room);
		const { user, joined } = own.add(identity.userId, identity.name, Date.now());
		ack({ self: { ...user, connectionId: socket.id }, users: own.users() });
		socket.to(room).emit(joined ? "UserJoined" : "UserUpdated", { user });
	});

	socket.on("SendMessage", (data: { message?: unknown }, ack: Ack) => {
		if (!identity) {
			ack({ error: { code: "NOT_REGISTERED", message: "Register first" } });
			return;
		}
		const message = {
			id: randomUUID(),
			seq: own.nextSeq(),
			from: { userId: identity.userId, name: identity.name },
			message: data?.message,
			sentAt: Date.now(),
		};
		ack({ id: message.id, seq: message.seq, sentAt: message.sentAt });
		socket.to(room).emit("Message", message);
	});

	socket.on("Signal", (data: { signal?: unknown }) => {
		// unregistered: dropped, as there is no acknowledgement to carry the error
		if (!identity) return;
		const from = { userId: identity.userId, name: identity.name };
		socket.to(room).emit("Signal", { from, signal: data?.signal, sentAt: Date.now() });
	});

	socket.on("disconnect", () => {
		if (!identity) return;
		const change = own.remove(identity.userId);
		if (!change) return;
		if (change.left) socket.to(room).emit("UserLeft", { user: { ...change.user, connections: 0 }, reason: "close" });
		else socket.to(room).emit("UserUpdated", { user: change.user });
	});
});

const port = Number(process.argv[2] ?? 0);
http.listen(port, "127.0.0.1", () => {
	const address = http.address();
	console.log(`LISTENING ${typeof address === "object" && address ? address.port : port}`);
});
