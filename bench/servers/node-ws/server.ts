/**
 * The Node `ws` peer: one process, rooms in memory, the same job as the real Room for the
 * benchmark's events (see ../mini-room.ts), `UpdateUser` included (scenario (j)). `ping` is
 * answered with `pong` like the runtime's auto-response. Listens on 127.0.0.1:PORT (argv[2]) and
 * prints `LISTENING` when ready.
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { WebSocket, WebSocketServer } from "ws";
import { MiniRoster, messageFrames, parseFrame, serverFrame, signalFrame, userChanges } from "../mini-room.ts";

interface Member {
	connectionId: string;
	identity?: { userId: string; name: string };
}
interface NodeRoom {
	roster: MiniRoster;
	members: Map<WebSocket, Member>;
}

const rooms = new Map<string, NodeRoom>();

function broadcast(room: NodeRoom, frame: string, except: WebSocket): void {
	for (const [ws, member] of room.members) {
		if (ws !== except && member.identity && ws.readyState === WebSocket.OPEN) ws.send(frame);
	}
}

const http = createServer((request, response) => {
	if (request.url === "/health") {
		response.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
		return;
	}
	response.writeHead(404).end();
});
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

http.on("upgrade", (request, socket, head) => {
	const match = /^\/rooms\/([^/?]+)\/ws/.exec(request.url ?? "");
	if (!match?.[1]) {
		socket.destroy();
		return;
	}
	const name = decodeURIComponent(match[1]);
	wss.handleUpgrade(request, socket, head, (ws) => {
		let room = rooms.get(name);
		if (!room) {
			room = { roster: new MiniRoster(), members: new Map() };
			rooms.set(name, room);
		}
		const joined = room;
		const member: Member = { connectionId: randomUUID() };
		joined.members.set(ws, member);
		ws.send(serverFrame("ConnectionEstablished", { protocol: 1, connectionId: member.connectionId, room: name }));
		ws.on("message", (data, isBinary) => {
			if (isBinary) {
				ws.send(serverFrame("Error", { code: "BAD_FRAME", message: "binary frames are not accepted" }));
				return;
			}
			const text = data.toString();
			if (text === "ping") {
				ws.send("pong");
				return;
			}
			handle(joined, ws, member, text);
		});
		ws.on("close", () => {
			joined.members.delete(ws);
			const identity = member.identity;
			if (!identity) return;
			const change = joined.roster.remove(identity.userId);
			if (!change) return;
			const frame = change.left
				? serverFrame("UserLeft", { user: { ...change.user, connections: 0 }, reason: "close" })
				: serverFrame("UserUpdated", { user: change.user });
			broadcast(joined, frame, ws);
		});
		ws.on("error", () => ws.terminate());
	});
});

function handle(room: NodeRoom, ws: WebSocket, member: Member, text: string): void {
	const frame = parseFrame(text);
	if (typeof frame === "string") {
		ws.send(frame);
		return;
	}
	const { requestId, requestData } = frame;
	if (frame.event === "Register") {
		const userId = requestData.userId;
		if (typeof userId !== "string" || userId === "") {
			ws.send(serverFrame("Error", { code: "BAD_REQUEST", message: "userId is required" }, requestId));
			return;
		}
		if (member.identity) {
			ws.send(serverFrame("Error", { code: "ALREADY_REGISTERED", message: "registered" }, requestId));
			return;
		}
		const name = typeof requestData.name === "string" ? requestData.name : userId;
		member.identity = { userId, name };
		const { user, joined } = room.roster.add(userId, name, Date.now());
		const self = { ...user, connectionId: member.connectionId };
		ws.send(serverFrame("Registered", { self, users: room.roster.users() }, requestId));
		broadcast(room, serverFrame(joined ? "UserJoined" : "UserUpdated", { user }), ws);
		return;
	}
	if (frame.event === "SendMessage") {
		const sender = member.identity;
		if (!sender) {
			ws.send(serverFrame("Error", { code: "NOT_REGISTERED", message: "Register first" }, requestId));
			return;
		}
		const out = messageFrames(room.roster, sender, requestData.message, requestId, randomUUID());
		ws.send(out.ack);
		broadcast(room, out.frame, ws);
		return;
	}
	if (frame.event === "Signal") {
		const sender = member.identity;
		if (!sender) {
			ws.send(serverFrame("Error", { code: "NOT_REGISTERED", message: "Register first" }, requestId));
			return;
		}
		broadcast(room, signalFrame(sender, requestData.signal), ws);
		return;
	}
	if (frame.event === "UpdateUser") {
		const sender = member.identity;
		if (!sender) {
			ws.send(serverFrame("Error", { code: "NOT_REGISTERED", message: "Register first" }, requestId));
			return;
		}
		const changes = userChanges(requestData, requestId);
		const change = typeof changes === "string" ? undefined : room.roster.update(sender.userId, changes);
		if (!change) {
			ws.send(typeof changes === "string" ? changes : serverFrame("Error", { code: "INTERNAL", message: "no user" }));
			return;
		}
		sender.name = change.user.name;
		ws.send(serverFrame("Updated", { self: { ...change.user, connectionId: member.connectionId } }, requestId));
		if (change.changed) broadcast(room, serverFrame("UserUpdated", { user: change.user }), ws);
		return;
	}
	ws.send(serverFrame("Error", { code: "UNKNOWN_EVENT", message: frame.event }, requestId));
}

const port = Number(process.argv[2] ?? 0);
http.listen(port, "127.0.0.1", () => {
	const address = http.address();
	console.log(`LISTENING ${typeof address === "object" && address ? address.port : port}`);
});
