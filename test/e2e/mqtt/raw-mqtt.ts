/**
 * MQTT packets written by hand over a `ws` WebSocket (subprotocol `mqtt`), for what MQTT.js will
 * not send: a packet before CONNECT, a chosen packet identifier, a DUP resend. Packets are encoded
 * and parsed with `mqtt-packet`, MQTT.js's own codec.
 */
import { generate, type Packet, parser } from "mqtt-packet";
import { inject } from "vitest";
import WebSocket from "ws";
import { opened, WAIT_MS } from "../clients";

export class RawMqtt {
	readonly packets: Packet[] = [];
	closed = false;
	#taken = new Set<number>();
	#waiters = new Set<() => void>();

	constructor(readonly ws: WebSocket) {
		const decoder = parser({ protocolVersion: 4 });
		decoder.on("packet", (packet) => {
			this.packets.push(packet);
			this.#wake();
		});
		ws.on("message", (data: Buffer) => decoder.parse(data));
		ws.on("close", () => {
			this.closed = true;
			this.#wake();
		});
		ws.on("error", () => {});
	}

	send(packet: Packet): void {
		this.ws.send(generate(packet));
	}

	/** The next packet not yet taken with this `cmd` (and matching `where`). */
	next<P extends Packet>(cmd: P["cmd"], where?: (packet: P) => boolean): Promise<P> {
		return new Promise((done, fail) => {
			const check = () => {
				const index = this.packets.findIndex(
					(packet, i) => !this.#taken.has(i) && packet.cmd === cmd && (!where || where(packet as P)),
				);
				if (index < 0) return false;
				this.#taken.add(index);
				clearTimeout(timer);
				this.#waiters.delete(check);
				done(this.packets[index] as P);
				return true;
			};
			const timer = setTimeout(() => {
				this.#waiters.delete(check);
				const seen = this.packets.map((packet) => packet.cmd).join(", ");
				fail(new Error(`no ${cmd} after ${WAIT_MS} ms; got [${seen}]${this.closed ? " closed" : ""}`));
			}, WAIT_MS);
			if (!check()) this.#waiters.add(check);
		});
	}

	waitForClose(): Promise<void> {
		return new Promise((done, fail) => {
			const check = () => {
				if (!this.closed) return false;
				clearTimeout(timer);
				this.#waiters.delete(check);
				done();
				return true;
			};
			const timer = setTimeout(() => {
				this.#waiters.delete(check);
				fail(new Error(`not closed after ${WAIT_MS} ms`));
			}, WAIT_MS);
			if (!check()) this.#waiters.add(check);
		});
	}

	#wake(): void {
		for (const waiter of [...this.#waiters]) waiter();
	}
}

const opens = new Set<RawMqtt>();

export function closeAllRaw(): void {
	for (const raw of opens) raw.ws.terminate();
	opens.clear();
}

/** An open WebSocket to the room's `/mqtt` offering `mqtt`, nothing sent yet. */
export async function rawMqtt(room: string): Promise<RawMqtt> {
	const ws = new WebSocket(`${inject("baseUrl").replace(/^http/, "ws")}/rooms/${room}/mqtt`, ["mqtt"]);
	const raw = new RawMqtt(ws);
	opens.add(raw);
	await opened(ws);
	return raw;
}

/** A raw session past its CONNACK 0 (development mode: the user name is the user). */
export async function rawSession(room: string, username: string): Promise<RawMqtt> {
	const raw = await rawMqtt(room);
	raw.send({
		cmd: "connect",
		protocolId: "MQTT",
		protocolVersion: 4,
		clean: true,
		clientId: `raw-${crypto.randomUUID().slice(0, 8)}`,
		keepalive: 60,
		username,
	});
	const connack = await raw.next<Extract<Packet, { cmd: "connack" }>>("connack");
	if (connack.returnCode !== 0) throw new Error(`CONNACK ${connack.returnCode}`);
	return raw;
}
