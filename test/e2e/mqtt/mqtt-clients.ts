/**
 * MQTT.js (the `mqtt` package, in Node) against a real `wrangler dev`'s `GET /rooms/:room/mqtt`:
 * every PUBLISH a session receives is recorded, and a test waits for the one it expects with a
 * timeout, as `TestClient` does for protocol frames.
 *
 * Test files call `afterEach(closeAllMqtt)` so that no session outlives its test.
 */
import mqtt, { type IClientOptions, type IConnackPacket, type IPublishPacket, type MqttClient } from "mqtt";
import { expect, inject } from "vitest";
import type { Message, MessagesPage } from "../../../src/protocol";
import { type E2EClient, expectReply, get, type Server, WAIT_MS } from "../clients";

export interface MqttConnectOptions {
	/** Which shared `wrangler dev`; ignored when `origin` is given. */
	server?: Server;
	/** `http://127.0.0.1:PORT` of another server (the restart test's own). */
	origin?: string;
	/** Query string parameters, such as `token`. */
	query?: Record<string, string>;
	username?: string;
	password?: string;
	/** The session's name; a random one when undefined. */
	clientId?: string;
	/** Clean session (MQTT.js's default: true). */
	clean?: boolean;
	will?: { topic: string; payload: string; qos?: 0 | 1 };
	/** The CONNECT's protocol level (4 unless a test offers another). */
	protocolVersion?: 3 | 4 | 5;
}

/** A PUBLISH the session received, its payload read as the contract says (UTF-8 JSON). */
export interface Delivery {
	topic: string;
	text: string;
	/** The payload parsed as JSON, or `undefined` when it is not JSON. */
	value: unknown;
	qos: number;
	dup: boolean;
	retain: boolean;
}

/** The `Message` JSON a `messages` subscriber gets (docs/PROTOCOL.md, Message). */
export interface MessageJson {
	id: string;
	seq: number;
	from: { userId: string; name?: string };
	sentAt: number;
	message: unknown;
	to?: string;
}

/** Sessions not yet ended; `closeAllMqtt` ends them. */
const sessions = new Set<MqttSession>();

export function closeAllMqtt(): void {
	for (const session of sessions) session.client.end(true);
	sessions.clear();
}

function mqttUrl(room: string, options: MqttConnectOptions): string {
	const origin = options.origin ?? inject(options.server === "secured" ? "securedUrl" : "baseUrl");
	const query = new URLSearchParams(options.query).toString();
	return `${origin.replace(/^http/, "ws")}/rooms/${room}/mqtt${query ? `?${query}` : ""}`;
}

function clientOptions(options: MqttConnectOptions): IClientOptions {
	return {
		protocolId: "MQTT",
		protocolVersion: options.protocolVersion ?? 4,
		clientId: options.clientId ?? `e2e-${crypto.randomUUID().slice(0, 8)}`,
		clean: options.clean ?? true,
		username: options.username,
		password: options.password,
		will: options.will && { ...options.will, qos: options.will.qos ?? 0, retain: false },
		// One connection per session object: a test reconnects by opening another.
		reconnectPeriod: 0,
		resubscribe: false,
		connectTimeout: WAIT_MS,
		keepalive: 60,
	};
}

export class MqttSession {
	readonly deliveries: Delivery[] = [];
	connack: IConnackPacket | undefined;
	/** The error MQTT.js reported (a refused CONNACK's carries its return code as `code`). */
	error: (Error & { code?: unknown }) | undefined;
	closed = false;
	#taken = new Set<number>();
	#waiters = new Set<() => void>();

	constructor(readonly client: MqttClient) {
		client.on("connect", (packet) => {
			this.connack = packet;
			this.#wake();
		});
		client.on("message", (topic: string, payload: Buffer, packet: IPublishPacket) => {
			const text = payload.toString("utf8");
			let value: unknown;
			try {
				value = JSON.parse(text);
			} catch {
				value = undefined;
			}
			this.deliveries.push({ topic, text, value, qos: packet.qos, dup: packet.dup, retain: packet.retain });
			this.#wake();
		});
		client.on("error", (error) => {
			this.error ??= error;
			this.#wake();
		});
		client.on("close", () => {
			this.closed = true;
			this.#wake();
		});
	}

	/** Subscribes and resolves with the granted QoS of each filter (128 for a refused one). */
	subscribe(filters: Record<string, 0 | 1 | 2>): Promise<number[]> {
		return new Promise((done, fail) => {
			const timer = setTimeout(() => fail(new Error(`no SUBACK after ${WAIT_MS} ms`)), WAIT_MS);
			// MQTT.js reports a refused filter as an error carrying the SUBACK, granted list included.
			const map = Object.fromEntries(Object.entries(filters).map(([filter, qos]) => [filter, { qos }]));
			this.client.subscribe(map, (_error, _grants, packet) => {
				clearTimeout(timer);
				const granted = (packet as { granted?: number[] } | undefined)?.granted;
				if (granted) done(granted);
				else fail(_error ?? new Error("SUBACK without a granted list"));
			});
		});
	}

	/** Publishes `value` as JSON (a string as it is); at QoS 1 resolves once the PUBACK is here. */
	async publish(topic: string, value: unknown, qos: 0 | 1 = 0): Promise<void> {
		const payload = typeof value === "string" ? value : JSON.stringify(value);
		await withTimeout(this.client.publishAsync(topic, payload, { qos }), `PUBACK for ${topic}`);
	}

	/** Waits for the next not-yet-taken delivery on `topic` (matching `where`, if given). */
	next(topic: string, where?: (delivery: Delivery) => boolean, timeoutMs = WAIT_MS): Promise<Delivery> {
		return this.#until(
			() => {
				const index = this.deliveries.findIndex(
					(delivery, i) => !this.#taken.has(i) && delivery.topic === topic && (!where || where(delivery)),
				);
				if (index < 0) return undefined;
				this.#taken.add(index);
				return this.deliveries[index];
			},
			timeoutMs,
			`a PUBLISH on ${topic}`,
		);
	}

	/** Every delivery on `topic` so far, taken or not. */
	on(topic: string): Delivery[] {
		return this.deliveries.filter((delivery) => delivery.topic === topic);
	}

	/** Resolves once the connection is closed (by either side). */
	waitForClose(timeoutMs = WAIT_MS): Promise<void> {
		return this.#until(() => (this.closed ? true : undefined), timeoutMs, "the connection closed").then(() => {});
	}

	/** Resolves once the connection is closed or accepted (a refusal test must not wait out a success). */
	waitForCloseOrAccept(timeoutMs = WAIT_MS): Promise<void> {
		return this.#until(
			() => (this.closed || this.connack ? true : undefined),
			timeoutMs,
			"the connection closed or accepted",
		).then(() => {});
	}

	/** Ends the session with DISCONNECT, as a client that means to leave does. */
	async end(): Promise<void> {
		await withTimeout(this.client.endAsync(), "end");
		sessions.delete(this);
	}

	/** Drops the connection without DISCONNECT (the WebSocket terminated), as a crash or lost network does. */
	async drop(): Promise<void> {
		this.client.stream.destroy();
		await this.waitForClose();
		this.client.end(true);
		sessions.delete(this);
	}

	#until<T>(found: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
		return new Promise((done, fail) => {
			const check = () => {
				const value = found();
				if (value === undefined) return false;
				clearTimeout(timer);
				this.#waiters.delete(check);
				done(value);
				return true;
			};
			const timer = setTimeout(() => {
				this.#waiters.delete(check);
				fail(new Error(`no ${what} after ${timeoutMs} ms; got ${this.#summary()}`));
			}, timeoutMs);
			if (!check()) this.#waiters.add(check);
		});
	}

	#wake(): void {
		for (const waiter of [...this.#waiters]) waiter();
	}

	#summary(): string {
		const seen = this.deliveries.map((delivery) => `${delivery.topic} q${delivery.qos} ${delivery.text.slice(0, 80)}`);
		const state = this.closed ? " closed" : "";
		const error = this.error ? ` error ${String(this.error.code ?? "")} ${this.error.message}` : "";
		return `[${seen.join(" | ")}]${state}${error}`;
	}
}

/** Opens an MQTT session in `room` and waits for its CONNACK 0; fails on a refusal. */
export async function mqttConnect(room: string, options: MqttConnectOptions = {}): Promise<MqttSession> {
	const session = new MqttSession(mqtt.connect(mqttUrl(room, options), clientOptions(options)));
	sessions.add(session);
	await new Promise<void>((done, fail) => {
		const timer = setTimeout(() => fail(new Error(`no CONNACK after ${WAIT_MS} ms`)), WAIT_MS);
		const settle = (error?: Error) => {
			clearTimeout(timer);
			if (error) fail(error);
			else done();
		};
		session.client.once("connect", () => settle());
		session.client.once("error", (error) => settle(error));
		session.client.once("close", () => settle(session.connack ? undefined : new Error("closed before CONNACK")));
	});
	return session;
}

/** What a refused CONNECT got: the CONNACK's return code (MQTT.js's error code), if one came, and whether it closed. */
export interface Refusal {
	code: unknown;
	closed: boolean;
}

/** Opens a session that the server should refuse, and waits until the connection is closed. */
export async function mqttRefused(room: string, options: MqttConnectOptions = {}): Promise<Refusal> {
	const session = new MqttSession(mqtt.connect(mqttUrl(room, options), clientOptions(options)));
	sessions.add(session);
	try {
		await session.waitForCloseOrAccept();
	} finally {
		session.client.end(true);
		sessions.delete(session);
	}
	if (session.connack?.returnCode === 0) throw new Error("the CONNECT was accepted");
	return { code: session.error?.code, closed: session.closed };
}

async function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const timeout = new Promise<never>((_, fail) => {
		timer = setTimeout(() => fail(new Error(`no ${what} after ${WAIT_MS} ms`)), WAIT_MS);
	});
	try {
		return await Promise.race([promise, timeout]);
	} finally {
		clearTimeout(timer);
	}
}

/**
 * A barrier through the room's `seq` order: `sender` sends a marker message and every subscriber
 * (subscribed to `messages`) waits for it; whatever the room sent them before it is here by then.
 */
export async function throughMarker(sender: E2EClient, ...subscribers: MqttSession[]): Promise<void> {
	const marker = crypto.randomUUID();
	await expectReply(sender, "SendMessage", { message: { marker } }, "MessageAck");
	await Promise.all(
		subscribers.map((subscriber) => subscriber.next("messages", (delivery) => messageOf(delivery).marker === marker)),
	);
}

/** The `message` field of a delivered `Message` JSON, as an object (empty when it is not one). */
export function messageOf(delivery: Delivery): Record<string, unknown> {
	const message = (delivery.value as MessageJson | undefined)?.message;
	return typeof message === "object" && message !== null ? (message as Record<string, unknown>) : {};
}

/** The room's stored messages (GET /rooms/:room/messages, direct messages left out) on the development-mode server. */
export async function storedMessages(room: string): Promise<Message[]> {
	const response = await get(`/rooms/${room}/messages?since=0`);
	expect(response.status).toBe(200);
	return ((await response.json()) as MessagesPage).messages;
}
