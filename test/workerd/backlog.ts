/**
 * A backlog stood in for: the workerd under the vitest plugin has no `bufferedAmount` and its
 * client ends are in-process, so a test gives one server-side socket the property instead.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { type ConnectedClient, roomStub } from "./connect";

/**
 * Has the runtime report `bytes` waiting for `client`'s socket on the room's side. A real backlog
 * is built by the room's own sends, which the room counts (`BacklogBounds`) to know when to look;
 * this one is not, so the room is evicted first: after a wake-up it looks on its first send.
 */
export async function reportBacklog(room: string, client: ConnectedClient, bytes: number, evict = true): Promise<void> {
	const { connectionId } = client.established.data;
	if (evict) await evictDurableObject(roomStub(room));
	await runInDurableObject(roomStub(room), (_, state) => {
		const socket = serverSocketOf(state, connectionId);
		Object.defineProperty(socket, "bufferedAmount", { configurable: true, get: () => bytes });
	});
}

/** The room's side of the connection `connectionId`, found by its attachment (inside the object). */
export function serverSocketOf(state: DurableObjectState, connectionId: string): WebSocket {
	const socket = state
		.getWebSockets()
		.find((ws) => (ws.deserializeAttachment() as { connectionId?: string } | null)?.connectionId === connectionId);
	if (!socket) throw new Error(`no socket for connection ${connectionId}`);
	return socket;
}
