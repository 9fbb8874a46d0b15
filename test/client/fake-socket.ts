/**
 * A WebSocket double for the client's unit tests: the test plays the server, opening, answering
 * and dropping the connection by hand, and reads every frame the client wrote.
 */
import type { ClientFrame, RoomLimits, ServerFrame } from "../../src/protocol/types";

/** The room's default RATE_LIMIT and frame size, as ConnectionEstablished announces them. */
export const DEFAULT_LIMITS: RoomLimits = { eventsPerSecond: 20, burst: 40, maxMessageBytes: 65536 };

export class FakeSocket extends EventTarget {
	static readonly CONNECTING = 0;
	static readonly OPEN = 1;
	static readonly CLOSING = 2;
	static readonly CLOSED = 3;
	/** Every socket the client created, oldest first. */
	static instances: FakeSocket[] = [];

	readonly url: string;
	readyState = FakeSocket.CONNECTING;
	binaryType = "blob";
	/** Raw frames written by the client, `ping` included. */
	readonly written: string[] = [];
	closedWith: { code: number; reason: string } | undefined;

	constructor(url: string) {
		super();
		this.url = url;
		FakeSocket.instances.push(this);
	}

	static latest(): FakeSocket {
		const socket = FakeSocket.instances.at(-1);
		if (!socket) throw new Error("the client has not created a socket");
		return socket;
	}

	send(data: string): void {
		if (this.readyState !== FakeSocket.OPEN) throw new Error("send on a socket that is not open");
		this.written.push(data);
	}

	close(code = 1000, reason = ""): void {
		this.closedWith = { code, reason };
		this.readyState = FakeSocket.CLOSED;
	}

	// ---- the server's side --------------------------------------------------------------------

	/** The socket opens and the room welcomes it, as a room of protocol `version` does. */
	accept(connectionId = "c1", limits: RoomLimits = DEFAULT_LIMITS, version: unknown = "1.1"): void {
		this.open();
		this.welcome(connectionId, limits, version);
	}

	/** The socket opens; the room's welcome is still to come. */
	open(): void {
		this.readyState = FakeSocket.OPEN;
		this.dispatchEvent(new Event("open"));
	}

	/** `ConnectionEstablished`; a `version` other than a string stands for a server that sends something else. */
	welcome(connectionId = "c1", limits: RoomLimits = DEFAULT_LIMITS, version: unknown = "1.1"): void {
		this.receive({
			eventType: "ServerEvent",
			event: "ConnectionEstablished",
			data: {
				protocol: 1,
				version: version as string,
				connectionId,
				room: "lobby",
				heartbeat: { request: "ping", response: "pong", intervalMs: 20000, timeoutMs: 60000 },
				limits,
				leaveGraceMs: 10000,
			},
		});
	}

	/** One frame: an event, a batched frame of events (1.2), or raw text. */
	receive(frame: ServerFrame | ServerFrame[] | string): void {
		const data = typeof frame === "string" ? frame : JSON.stringify(frame);
		this.dispatchEvent(new MessageEvent("message", { data }));
	}

	/** The connection ends without the client asking (a network drop is 1006). */
	drop(code = 1006, reason = ""): void {
		this.readyState = FakeSocket.CLOSED;
		this.dispatchEvent(new CloseEvent("close", { code, reason }));
	}

	/** The upgrade is refused (a 401, a full room): browsers tell only an error, then a 1006 close. */
	refuse(): void {
		this.readyState = FakeSocket.CLOSED;
		this.dispatchEvent(new Event("error"));
		this.dispatchEvent(new CloseEvent("close", { code: 1006, reason: "" }));
	}

	/** The protocol frames written so far (heartbeats left out). */
	frames(): ClientFrame[] {
		return this.written.filter((data) => data !== "ping").map((data) => JSON.parse(data) as ClientFrame);
	}

	lastFrame(): ClientFrame {
		const frame = this.frames().at(-1);
		if (!frame) throw new Error("the client wrote no frame");
		return frame;
	}
}
