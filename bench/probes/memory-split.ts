/**
 * Where does ours' memory per socket go? `node bench/probes/memory-split.ts [N]`
 * Starts ours and bare (direct to the Worker's workerd), opens N sockets without registering
 * (ours: until ConnectionEstablished), reads the workerd RSS, then (ours) registers them all and
 * reads it again. Separates the per-connection state from the cost of registering (the O(N²)
 * roster replies and join announcements).
 */
import WebSocket from "ws";
import { sleep, startServer } from "../servers/launch.ts";

const n = Number(process.argv[2] ?? 500);

async function openRaw(url: string, waitFirstFrame: boolean): Promise<WebSocket> {
	const ws = new WebSocket(url, { perMessageDeflate: false });
	await new Promise<void>((done, fail) => {
		ws.once("error", fail);
		if (waitFirstFrame) ws.once("message", () => done());
		else ws.once("open", () => done());
	});
	return ws;
}

async function register(ws: WebSocket, userId: string): Promise<void> {
	await new Promise<void>((done) => {
		const onMessage = (data: Buffer) => {
			if (data.toString().includes('"event":"Registered"')) {
				ws.off("message", onMessage);
				done();
			}
		};
		ws.on("message", onMessage);
		ws.send(`{"eventType":"ClientEvent","event":"Register","requestId":"r","requestData":{"userId":"${userId}"}}`);
	});
}

for (const name of ["ours", "bare"] as const) {
	const server = await startServer(name, { type: "wrangler", config: `bench/servers/${name}/wrangler.toml` });
	try {
		const url = `${server.wsOrigin}/rooms/mem/ws`;
		// warm the room up with one socket, so the object's own start is not counted
		const warm = await openRaw(url, name === "ours");
		await sleep(500);
		const before = server.rssBytes();
		const sockets: WebSocket[] = [];
		for (let i = 0; i < n; i += 50) {
			sockets.push(
				...(await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => openRaw(url, name === "ours")))),
			);
		}
		await sleep(1000);
		const connected = server.rssBytes();
		console.log(
			`${name}: ${n} connected, not registered: +${((connected - before) / n).toFixed(0)} bytes RSS per socket`,
		);
		if (name === "ours") {
			for (const [i, ws] of sockets.entries()) await register(ws, `u${i}`);
			await sleep(1000);
			const registered = server.rssBytes();
			console.log(
				`${name}: then registered one by one: +${((registered - connected) / n).toFixed(0)} bytes more per socket (total +${((registered - before) / n).toFixed(0)})`,
			);
		}
		for (const ws of [warm, ...sockets]) ws.terminate();
	} finally {
		await server.stop();
	}
}
