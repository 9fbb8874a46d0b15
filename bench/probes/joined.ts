/** The probes' socket: opened on a room and, unless told not to (bare), registered. */
import WebSocket from "ws";

/** Opens a socket; when `register`, registers it as `userId` and resolves once its Registered arrived. */
export async function joined(url: string, userId: string, register = true): Promise<WebSocket> {
	const ws = new WebSocket(url, { perMessageDeflate: false });
	await new Promise<void>((done, fail) => {
		ws.once("error", fail);
		if (!register) {
			ws.once("open", () => done());
			return;
		}
		const onMessage = (data: Buffer) => {
			if (!data.toString().includes('"event":"Registered"')) return;
			ws.off("message", onMessage);
			done();
		};
		ws.on("message", onMessage);
		ws.once("open", () =>
			ws.send(`{"eventType":"ClientEvent","event":"Register","requestId":"r","requestData":{"userId":"${userId}"}}`),
		);
	});
	return ws;
}
