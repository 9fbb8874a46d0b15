/**
 * (1.3) At a room's root, a connection held by one of its shards: what the root's handlers need of
 * a connection (its id, who it is, how it hears presence) without a socket. Its replies are kept,
 * in order, for the answer to the shard's report, which delivers them to the socket.
 */
import type { PresenceMode } from "../../protocol";
import type { Connection } from "../connection";
import type { VerifiedIdentity } from "../handoff";
import type { Identity } from "../roster";

/** A connection a handler works for: the object's own (a socket), or a shard's (none). */
export type Member = Connection | RemoteConnection;

export class RemoteConnection {
	/** Never a socket here: the shard holds it. */
	readonly socket = undefined;
	readonly shard: number;
	readonly id: string;
	/** Who its token says it is, as the shard's report carried it. */
	verified: VerifiedIdentity | undefined;
	/** The frames the root answers it with while one report is applied. */
	readonly replies: string[] = [];
	#identity: Identity | undefined;
	#mode: PresenceMode = "events";
	#batch = false;

	constructor(shard: number, id: string, verified?: VerifiedIdentity) {
		this.shard = shard;
		this.id = id;
		this.verified = verified;
	}

	/** A registered connection, as the root's durable roster keeps it. */
	static registered(shard: number, id: string, identity: Identity, how: { mode: PresenceMode; batch: boolean }) {
		const connection = new RemoteConnection(shard, id);
		connection.register(identity, how.mode, how.batch);
		return connection;
	}

	get identity(): Identity | undefined {
		return this.#identity;
	}
	get presenceMode(): PresenceMode {
		return this.#mode;
	}
	get batch(): boolean {
		return this.#batch;
	}

	register(identity: Identity, mode: PresenceMode, batch: boolean): void {
		this.#identity = identity;
		this.#mode = mode;
		this.#batch = batch;
	}

	rename(identity: Identity): void {
		this.#identity = identity;
	}

	unregister(): void {
		this.#identity = undefined;
		this.#mode = "events";
		this.#batch = false;
	}

	/** The replies gathered so far, handed over once. */
	takeReplies(): string[] {
		return this.replies.splice(0);
	}
}
