/**
 * One WebSocket's state, kept in its hibernation attachment so that it survives eviction,
 * with an in-memory copy so that reading it costs nothing on the hot path.
 * The attachment carries a layout version, so that a later layout can read an older one.
 */
import type { PresenceMode } from "../protocol";
import type { VerifiedIdentity } from "./handoff";
import type { EgressSession } from "./mqtt/egress";
import type { SessionMemory } from "./mqtt/ingress";
import type { MqttRecord } from "./mqtt/record";
import { fullBucket, type RateBucket, type RatePolicy, type RateVerdict, takeToken } from "./rate-limit";
import type { Identity } from "./roster";
import type { LeaveStamp } from "./shards/calls";

/** What survives hibernation for one connection (well under the 16 KiB attachment limit). */
export interface ConnectionRecord {
	/** Layout version of this attachment. */
	v: 1;
	connectionId: string;
	connectedAt: number;
	/** Last frame the object itself received (pings answered by the runtime are read elsewhere). */
	lastSeenAt: number;
	/** Set while registered. */
	identity?: Identity;
	/** How this connection hears presence, while registered (absent: `events`). */
	presence?: PresenceMode;
	/** Asked for batched frames at its last Register (1.2); holds until the next one. */
	batch?: true;
	/** Who the connection's token says it is (never the token itself); absent in development mode. */
	verified?: VerifiedIdentity;
	/** The connection's rate limit, kept here so that hibernation cannot reset it. */
	rate?: RateBucket;
	/** Set once the room has let go of the socket (left and closed); it no longer counts. */
	closed?: true;
	/** On a shard (1.3): the epoch the shard runs as, which lives exactly as long as its sockets. */
	epoch?: string;
	/** On a shard (1.3): its `Registered` had every message through this seq; the stream's are after it. */
	liveAfter?: number;
	/** On a shard (1.3): its `Registered` had the presence log through this row; it hears the rows after. */
	presAfter?: number;
	/** On a shard (1.3): unregistered at the root, it hears the streams up to here, then gets these frames. */
	leaving?: Leaving;
	/** (1.5) An MQTT session's state (absent: a protocol connection). */
	mqtt?: MqttRecord;
}

/** Where the root's streams stood at a connection's `Unregister`, and its reply. */
export interface Leaving extends LeaveStamp {
	frames: string[];
}

function isConnectionRecord(value: unknown): value is ConnectionRecord {
	return (
		typeof value === "object" &&
		value !== null &&
		(value as { v?: unknown }).v === 1 &&
		typeof (value as { connectionId?: unknown }).connectionId === "string"
	);
}

export class Connection {
	readonly socket: WebSocket;
	#record: ConnectionRecord;
	/** The record has changed since the attachment was written (`arrive` leaves that to `settle`). */
	#unsaved = false;
	/** (1.5) What an MQTT connection holds in memory only: its packet framer, packets behind its CONNECT. */
	link: SessionMemory | undefined;
	/** (1.5) How the fan-out reaches an MQTT connection. */
	egress: EgressSession | undefined;
	#savedSeenAt = 0;

	private constructor(socket: WebSocket, record: ConnectionRecord) {
		this.socket = socket;
		this.#record = record;
	}

	/** A newly accepted socket: writes its first attachment. */
	static open(
		socket: WebSocket,
		now: number,
		verified?: VerifiedIdentity,
		epoch?: string,
		connectionId: string = crypto.randomUUID(),
		mqtt?: MqttRecord,
	): Connection {
		const record: ConnectionRecord = { v: 1, connectionId, connectedAt: now, lastSeenAt: now };
		if (verified) record.verified = verified;
		if (mqtt) record.mqtt = mqtt;
		if (epoch !== undefined) record.epoch = epoch;
		const connection = new Connection(socket, record);
		connection.#save();
		return connection;
	}

	/** A socket found after a wake-up; undefined when it carries no attachment of ours. */
	static restore(socket: WebSocket): Connection | undefined {
		const record: unknown = socket.deserializeAttachment();
		return isConnectionRecord(record) ? new Connection(socket, record) : undefined;
	}

	get id(): string {
		return this.#record.connectionId;
	}
	get lastSeenAt(): number {
		return this.#record.lastSeenAt;
	}
	get identity(): Identity | undefined {
		return this.#record.identity;
	}
	get presenceMode(): PresenceMode {
		return this.#record.presence ?? "events";
	}
	get batch(): boolean {
		return this.#record.batch === true;
	}
	get verified(): VerifiedIdentity | undefined {
		return this.#record.verified;
	}
	get closed(): boolean {
		return this.#record.closed === true;
	}
	get epoch(): string | undefined {
		return this.#record.epoch;
	}
	get liveAfter(): number | undefined {
		return this.#record.liveAfter;
	}
	get presAfter(): number | undefined {
		return this.#record.presAfter;
	}
	get leaving(): Leaving | undefined {
		return this.#record.leaving;
	}
	/** (1.5) Set for an MQTT session: changed in place, written by `settle()` after `touched()`. */
	get mqtt(): MqttRecord | undefined {
		return this.#record.mqtt;
	}

	/** (1.5) The MQTT record changed: written with the frame's other changes. */
	touched(): void {
		this.#unsaved = true;
	}

	/** (1.5) An MQTT session's CONNECT password was a valid token: who it says the connection is. */
	verify(identity: VerifiedIdentity): void {
		this.#record.verified = identity;
		this.#unsaved = true;
	}

	/** (1.5) Activity without a rate token: a part of an MQTT packet, a PINGREQ, a PUBACK. */
	seen(now: number): void {
		this.#record.lastSeenAt = now;
		// A timeout is tens of seconds: a second-old activity after a wake-up is as good, and a
		// packet split over many frames (MQTT.js in Node) costs one attachment write, not one each.
		if (now - this.#savedSeenAt >= 1000) this.#unsaved = true;
	}

	/** Unregistered at the root: it still hears the streams up to `leaving`. */
	leave(leaving: Leaving): void {
		this.#record.leaving = leaving;
		this.#save();
	}

	/**
	 * Records one inbound frame: the activity the idle reaper reads, and the rate limit's verdict
	 * on it, so that the reaper and the limit are right after a wake-up. Written by `settle()` once
	 * the frame is handled, with whatever the frame changed: one attachment write per frame (a
	 * Register's identity and this in one).
	 */
	arrive(now: number, policy: RatePolicy): RateVerdict {
		const { bucket, verdict } = takeToken(
			this.#record.rate ?? fullBucket(policy, this.#record.connectedAt),
			policy,
			now,
		);
		this.#record.lastSeenAt = now;
		this.#record.rate = bucket;
		this.#unsaved = true;
		return verdict;
	}

	/** Writes the attachment if the record changed since it was last written. */
	settle(): void {
		if (this.#unsaved) this.#save();
	}

	/** Registered (or registered again) as `identity`, hearing presence in `presence` mode, batched or not. */
	register(identity: Identity, presence: PresenceMode, batch: boolean, liveAfter?: number, presAfter?: number): void {
		this.#record.identity = identity;
		if (liveAfter === undefined) delete this.#record.liveAfter;
		else this.#record.liveAfter = liveAfter;
		if (presAfter === undefined) delete this.#record.presAfter;
		else this.#record.presAfter = presAfter;
		if (presence === "events") delete this.#record.presence;
		else this.#record.presence = presence;
		if (batch) this.#record.batch = true;
		else delete this.#record.batch;
		this.#save();
	}

	/** The user's name or meta changed; the registration stays as it is. */
	rename(identity: Identity): void {
		this.#record.identity = identity;
		this.#save();
	}

	unregister(): void {
		delete this.#record.identity;
		delete this.#record.presence;
		delete this.#record.liveAfter;
		delete this.#record.presAfter;
		delete this.#record.leaving;
		this.#save();
	}

	markClosed(): void {
		delete this.#record.identity;
		delete this.#record.presence;
		this.#record.closed = true;
		this.#save();
	}

	#save(): void {
		this.#savedSeenAt = this.#record.lastSeenAt;
		this.socket.serializeAttachment(this.#record);
		this.#unsaved = false;
	}
}
