/**
 * (1.5) What an MQTT connection keeps in its hibernation attachment, beside the room's own
 * connection record: where its session stands, what it subscribed to, its will. Small and bounded
 * (filters and the will are capped when they arrive), so the attachment stays under 16 KiB.
 */
import type { JsonValue } from "../../protocol";

/** A subscription as granted: the filter as the client gave it, and its QoS (2 is granted as 1). */
export type Subscription = [filter: string, qos: 0 | 1];

/** Where a will goes: the room's messages, one user's, or its signals. */
export interface Will {
	topic: string;
	value: JsonValue;
}

export interface MqttRecord {
	/** `new`: no CONNECT yet; `wait`: the room (or a token check) has its CONNECT; `open`: CONNACK 0 sent. */
	st: "new" | "wait" | "open";
	/** The token is to come as the CONNECT password (the upgrade carried none). */
	auth?: true;
	/** The client identifier, and whether the session is clean. */
	cid?: string;
	clean?: boolean;
	/** Keep alive in seconds, as the client asked (0: none asked). */
	ka?: number;
	/** Names this session's packet identifiers in the room's resend table (kept with a persistent session). */
	sk?: string;
	subs?: Subscription[];
	/** The last `seq` the client acknowledged (QoS 1), and the last one sent at QoS 1. */
	acked?: number;
	sent?: number;
	will?: Will;
	/** DISCONNECT came (or the session was taken over): the will is not published. */
	bye?: true;
}

/** Most filters one session holds, and the longest one (bytes): the attachment's bound. */
export const MAX_SUBSCRIPTIONS = 16;
export const MAX_FILTER_BYTES = 128;
/** The largest will payload kept (bytes). */
export const MAX_WILL_BYTES = 4096;
/** The keep alive read when a client asks for none (seconds): its session still times out. */
export const DEFAULT_KEEP_ALIVE_SECONDS = 60;

/** How long an MQTT connection may be silent: one and a half keep alives; before CONNECT, 10 s. */
export function mqttTimeoutMs(record: MqttRecord): number {
	if (record.st === "new") return 10_000;
	const keepAlive = record.ka && record.ka > 0 ? record.ka : DEFAULT_KEEP_ALIVE_SECONDS;
	return keepAlive * 1500;
}
