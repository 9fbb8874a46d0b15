/**
 * The load generator's sockets: one adapter per wire protocol, all in this one Node process, so
 * that the send time written into each payload and the receive time are read off one clock
 * (`performance.now()`).
 *
 * - `rooms`: the project's protocol (ours, partyserver, Node `ws`): ConnectionEstablished, then
 *   Register → Registered; SendMessage → Message to the others, Signal → Signal to the others.
 * - `bare`: the bare relay: open is registered; the SendMessage or Signal frame itself is relayed.
 * - `socketio`: Socket.IO events (SendMessage with an acknowledgement, Signal without).
 *
 * Each payload is `{"k": message number, "t": send time in ms, "p": padding}`; a receiver reads
 * `k` and `t` without parsing the whole frame (same cost for every server).
 *
 * A `rooms` socket opened with `batch` registers with `"batch": true` (docs/PROTOCOL.md 1.2) and
 * may then get a frame that is a JSON array of server frames: each of its events is handled as if
 * it had come alone (a delivery each, with its own latency), and `Sink.frame` hears how many
 * events each frame held.
 */
import { io, type Socket } from "socket.io-client";
import WebSocket from "ws";
import { closeWebSocket, inBatches, mapConcurrently } from "../../scripts/resuming-client/many-sockets.ts";
import { isPong, type PresenceMode, serverEventOf } from "../../scripts/resuming-client/server-frames.ts";
import { eventsOf, isBatch } from "./batch-frames.ts";

export type Protocol = "rooms" | "bare" | "socketio";

/** What a sender sends: a stored, acknowledged `SendMessage`, or an ephemeral `Signal`. */
export type Traffic = "message" | "signal";

/** Where deliveries go: receiver index, message number, send time from the payload. */
export interface Sink {
	delivery(receiver: number, key: number, sentAt: number): void;
	error(receiver: number, text: string): void;
	/** Any other frame after `Registered` (`rooms` only): (j) counts its flood's deliveries here. */
	other?(receiver: number, data: Buffer): void;
	/** A registered socket closed (`rooms` only): (j) counts the sockets a room closed under load. */
	closed?(receiver: number, code: number): void;
	/** A frame arrived after `Registered` (or open), holding `events` server events (1 unless batched); `pong` is no frame here. */
	frame?(receiver: number, events: number): void;
	/** `ConnectionEstablished` arrived (`rooms` only): (h) reads which object holds the socket. */
	established?(receiver: number, data: Buffer): void;
	/** A `Message`'s `seq`, just before its delivery (`rooms` only): (h) checks each receiver's order. */
	sequenced?(receiver: number, seq: number): void;
}

export interface Conn {
	readonly index: number;
	send(traffic: Traffic, key: number, sentAt: number): void;
	/** A frame as it is (`rooms` and `bare`): (j)'s flood of signals and user updates, untracked. */
	sendText(frame: string): void;
	/** A heartbeat `ping` (not for Socket.IO, which has its own). */
	ping(): void;
	readonly pongs: number;
	close(): Promise<void>;
}

/** Padding that brings a message to the size of a short chat line. */
const PAD = "x".repeat(64);

const ROOMS_MESSAGE = Buffer.from('{"eventType":"ServerEvent","event":"Message"');
const ROOMS_SIGNAL = Buffer.from('{"eventType":"ServerEvent","event":"Signal"');
const ROOMS_ERROR = Buffer.from('{"eventType":"ServerEvent","event":"Error"');
const BARE_MESSAGE = Buffer.from('{"eventType":"ClientEvent","event":"SendMessage"');
const BARE_SIGNAL = Buffer.from('{"eventType":"ClientEvent","event":"Signal"');

function startsWith(data: Buffer, prefix: Buffer): boolean {
	return data.length >= prefix.length && data.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

/** Reads `"k":N` and `"t":T` from a frame's text without parsing the rest. */
export function readPayload(data: Buffer): { key: number; sentAt: number } | undefined {
	const text = data.toString("latin1");
	const k = text.indexOf('"k":');
	if (k < 0) return undefined;
	const kEnd = text.indexOf(",", k);
	const t = text.indexOf('"t":', kEnd);
	const tEnd = text.indexOf(",", t);
	return { key: Number(text.slice(k + 4, kEnd)), sentAt: Number(text.slice(t + 4, tEnd)) };
}

/** A `Message`'s `"seq":N` (it comes before the message itself), read without parsing the frame. */
function readSeq(data: Buffer): number | undefined {
	const text = data.toString("latin1");
	const at = text.indexOf('"seq":');
	if (at < 0) return undefined;
	const end = text.indexOf(",", at);
	return Number(text.slice(at + 6, end));
}

/** What every sender sends (an MQTT PUBLISH's payload too): the message number, the send time, padding. */
export function messagePayload(key: number, sentAt: number): string {
	return `{"k":${key},"t":${sentAt},"p":"${PAD}"}`;
}

/** A `SendMessage` or `Signal` frame; both carry a request id so that an error names the frame. */
function sendFrame(traffic: Traffic, key: number, sentAt: number): string {
	const payload = messagePayload(key, sentAt);
	return traffic === "message"
		? `{"eventType":"ClientEvent","event":"SendMessage","requestId":"m${key}","requestData":{"message":${payload}}}`
		: `{"eventType":"ClientEvent","event":"Signal","requestId":"s${key}","requestData":{"signal":${payload}}}`;
}

const WS_OPTIONS = { perMessageDeflate: false, handshakeTimeout: 30_000 } as const;

function closeWs(ws: WebSocket): Promise<void> {
	return closeWebSocket(ws, 1000, "bench done");
}

/**
 * A `Register` the room refused for its load goes again after a pause, at most this many times:
 * (j)'s room at its default budget (50,000 deliveries a second) cannot announce 1,000 joins, 50 in
 * flight, as fast as they come (each `UserJoined` goes to everyone already there).
 */
const REGISTER_RETRIES = 60;
const RATE_LIMITED = '"code":"RATE_LIMITED"';

/**
 * The project's protocol: resolves once `Registered` has arrived. Frames are told apart by their
 * first bytes: a `Registered` roster or a `Presence` frame is never parsed, so that the load
 * generator's CPU goes to what is measured.
 */
function openRooms(
	url: string,
	index: number,
	userId: string,
	sink: Sink,
	presence?: PresenceMode,
	batch?: boolean,
): Promise<Conn> {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url, WS_OPTIONS);
		let registered = false;
		let retries = 0;
		let pongs = 0;
		const mode = `${presence === undefined ? "" : `,"presence":"${presence}"`}${batch ? ',"batch":true' : ""}`;
		const register = () =>
			ws.send(
				`{"eventType":"ClientEvent","event":"Register","requestId":"r","requestData":{"userId":"${userId}"${mode}}}`,
			);
		const conn: Conn = {
			index,
			send: (traffic, key, sentAt) => ws.send(sendFrame(traffic, key, sentAt)),
			sendText: (frame) => ws.send(frame),
			ping: () => ws.send("ping"),
			get pongs() {
				return pongs;
			},
			close: () => closeWs(ws),
		};
		/** One server event, alone in its frame or one of a batch's. */
		const handle = (data: Buffer) => {
			if (startsWith(data, ROOMS_MESSAGE) || startsWith(data, ROOMS_SIGNAL)) {
				if (sink.sequenced) {
					const seq = readSeq(data);
					if (seq !== undefined) sink.sequenced(index, seq);
				}
				const payload = readPayload(data);
				if (payload) sink.delivery(index, payload.key, payload.sentAt);
				else sink.other?.(index, data);
				return;
			}
			if (startsWith(data, ROOMS_ERROR)) {
				sink.error(index, data.toString());
				if (registered) return;
				if (data.includes(RATE_LIMITED) && retries++ < REGISTER_RETRIES)
					setTimeout(register, 250 + Math.random() * 750);
				else reject(new Error(`register ${userId}: ${data.toString()}`));
				return;
			}
			if (registered) {
				sink.other?.(index, data);
				return;
			}
			const event = serverEventOf(data);
			if (event === "ConnectionEstablished") {
				sink.established?.(index, data);
				register();
			} else if (event === "Registered") {
				registered = true;
				resolve(conn);
			}
		};
		ws.on("message", (data: Buffer) => {
			if (isPong(data)) {
				pongs++;
				return;
			}
			if (!isBatch(data)) {
				if (registered) sink.frame?.(index, 1);
				handle(data);
				return;
			}
			const events = eventsOf(data);
			if (registered) sink.frame?.(index, events.length);
			for (const event of events) handle(event);
		});
		ws.once("error", (error) => {
			if (!registered) reject(error);
		});
		ws.once("close", (code) => {
			if (!registered) reject(new Error(`${userId}: closed ${code} before Registered`));
			else sink.closed?.(index, code);
		});
	});
}

/** The bare relay: resolves once open. */
function openBare(url: string, index: number, sink: Sink): Promise<Conn> {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url, WS_OPTIONS);
		let pongs = 0;
		let open = false;
		ws.on("message", (data: Buffer) => {
			if (startsWith(data, BARE_MESSAGE) || startsWith(data, BARE_SIGNAL)) {
				sink.frame?.(index, 1);
				const payload = readPayload(data);
				if (payload) sink.delivery(index, payload.key, payload.sentAt);
			} else if (isPong(data)) pongs++;
		});
		ws.once("open", () => {
			open = true;
			resolve({
				index,
				send: (traffic, key, sentAt) => ws.send(sendFrame(traffic, key, sentAt)),
				sendText: (frame) => ws.send(frame),
				ping: () => ws.send("ping"),
				get pongs() {
					return pongs;
				},
				close: () => closeWs(ws),
			});
		});
		ws.once("error", (error) => {
			if (!open) reject(error);
		});
	});
}

function openSocketIo(origin: string, room: string, index: number, userId: string, sink: Sink): Promise<Conn> {
	return new Promise((resolve, reject) => {
		const socket: Socket = io(origin, {
			transports: ["websocket"],
			query: { room },
			forceNew: true,
			reconnection: false,
			timeout: 30_000,
		});
		const noop = () => {};
		const deliver = (payload: { k?: number; t?: number } | undefined) => {
			sink.frame?.(index, 1);
			if (payload && typeof payload.k === "number" && typeof payload.t === "number") {
				sink.delivery(index, payload.k, payload.t);
			}
		};
		socket.on("Message", (message: { message?: { k?: number; t?: number } }) => deliver(message.message));
		socket.on("Signal", (signal: { signal?: { k?: number; t?: number } }) => deliver(signal.signal));
		socket.once("connect_error", (error) => reject(error));
		socket.once("connect", () => {
			socket.emit("Register", { userId }, (reply: { error?: unknown }) => {
				if (reply.error) {
					reject(new Error(`register ${userId}: ${JSON.stringify(reply.error)}`));
					return;
				}
				resolve({
					index,
					send: (traffic, key, sentAt) => {
						const payload = { k: key, t: sentAt, p: PAD };
						if (traffic === "message") socket.emit("SendMessage", { message: payload }, noop);
						else socket.emit("Signal", { signal: payload });
					},
					sendText: () => {
						throw new Error("Socket.IO sends events, not frames");
					},
					ping: () => {},
					pongs: 0,
					close: () =>
						new Promise<void>((done) => {
							if (socket.disconnected) return done();
							socket.once("disconnect", () => done());
							socket.disconnect();
							setTimeout(done, 5000);
						}),
				});
			});
		});
	});
}

/** How to reach a room on one server. */
export interface Target {
	protocol: Protocol;
	/** ws URL of a room, for `rooms` and `bare`. */
	roomUrl(room: string): string;
	/** http origin, for Socket.IO. */
	origin: string;
}

/**
 * `presence` and `batch` are the `rooms` protocol's `Register.presence` and `Register.batch` (1.2)
 * (the others have no such thing: `batch` is refused for them).
 */
export function open(
	target: Target,
	room: string,
	index: number,
	sink: Sink,
	presence?: PresenceMode,
	batch?: boolean,
): Promise<Conn> {
	const userId = `u${index}`;
	if (batch && target.protocol !== "rooms") throw new Error(`${target.protocol} has no batched frames`);
	if (target.protocol === "socketio") return openSocketIo(target.origin, room, index, userId, sink);
	if (target.protocol === "bare") return openBare(target.roomUrl(room), index, sink);
	return openRooms(target.roomUrl(room), index, userId, sink, presence, batch);
}

/**
 * Sends `ping` every `everyMs` from now until the socket is closed, as a protocol client does
 * (every 20 s): a room closes a socket silent for 60 s, and a run lasts longer than that.
 */
function keepAlive(conn: Conn, everyMs: number): Conn {
	const timer = setInterval(() => {
		try {
			conn.ping();
		} catch {
			// closed meanwhile: the close below stops the timer
		}
	}, everyMs);
	timer.unref();
	const close = conn.close;
	conn.close = () => {
		clearInterval(timer);
		return close();
	};
	return conn;
}

export interface OpenManyOptions {
	/** The first socket's index (its user is `u<index>`). */
	firstIndex: number;
	count: number;
	/** Handshakes in flight at once. */
	concurrency: number;
	/** Each socket then pings this often until closed. */
	heartbeatMs?: number;
	/** `Register.presence`; left out, the protocol's default. */
	presence?: PresenceMode;
	/** `Register.batch` (1.2): batched frames. */
	batch?: boolean;
	/** A socket whose connection or registration failed is opened again, at most this many times (default 0). */
	retries?: number;
}

/** Opens and registers sockets with at most `concurrency` handshakes in flight. */
export async function openMany(target: Target, room: string, options: OpenManyOptions, sink: Sink): Promise<Conn[]> {
	const { firstIndex, count, concurrency, heartbeatMs, presence, batch, retries = 0 } = options;
	return mapConcurrently(count, concurrency, async (i) => {
		let conn: Conn | undefined;
		for (let attempt = 0; !conn; attempt++) {
			try {
				conn = await open(target, room, firstIndex + i, sink, presence, batch);
			} catch (error) {
				if (attempt >= retries) throw error;
				await new Promise((done) => setTimeout(done, 1000));
			}
		}
		return heartbeatMs === undefined ? conn : keepAlive(conn, heartbeatMs);
	});
}

export function closeAll(conns: readonly Conn[]): Promise<void> {
	return inBatches(conns, 100, (conn) => conn.close());
}
