/**
 * A loopback TCP proxy that can cut every connection through it at once (no close frame, no
 * goodbye: what a dropped Wi-Fi or a sleeping laptop does) and refuse new ones while "offline".
 */
import { createServer, type Socket, connect as tcpConnect } from "node:net";

export interface TcpProxy {
	/** `http://127.0.0.1:PORT` */
	readonly origin: string;
	/** Destroys every connection through the proxy, both sides, with no close handshake. */
	cut(): void;
	/** While offline, new connections are destroyed as they arrive. */
	setOffline(offline: boolean): void;
	/** While on, what the server sends is dropped: requests get through, their replies are lost. */
	setRepliesLost(lost: boolean): void;
	close(): Promise<void>;
}

export async function startTcpProxy(target: URL): Promise<TcpProxy> {
	const sockets = new Set<Socket>();
	let offline = false;
	let repliesLost = false;
	const track = (socket: Socket) => {
		sockets.add(socket);
		socket.once("close", () => sockets.delete(socket));
		socket.on("error", () => socket.destroy());
	};
	const server = createServer((client) => {
		track(client);
		if (offline) {
			client.destroy();
			return;
		}
		const upstream = tcpConnect(Number(target.port), target.hostname);
		track(upstream);
		client.pipe(upstream);
		upstream.on("data", (chunk: Buffer) => {
			if (!repliesLost) client.write(chunk);
		});
		client.once("close", () => upstream.destroy());
		upstream.once("close", () => client.destroy());
	});
	await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
	const address = server.address();
	if (address === null || typeof address === "string") throw new Error("the proxy has no port");
	return {
		origin: `http://127.0.0.1:${address.port}`,
		cut() {
			for (const socket of sockets) socket.resetAndDestroy();
		},
		setOffline(value) {
			offline = value;
		},
		setRepliesLost(value) {
			repliesLost = value;
		},
		close() {
			for (const socket of sockets) socket.destroy();
			return new Promise((closed) => server.close(() => closed()));
		},
	};
}
