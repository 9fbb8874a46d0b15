/**
 * How the MQTT demo page connects: the room's `/mqtt` address on the page's own host, the user as
 * the CONNECT user name and a token as its password, and a client id that stays the same for the
 * tab, so that "keep my session" finds its session again after a reload.
 */
import type { IClientOptions } from "mqtt";

/** Who connects where, as the page's address says. */
export interface MqttPageIdentity {
	room: string;
	userId: string;
	/** A room token (JWT), sent as the CONNECT password; without one the room must be in development mode. */
	token: string | undefined;
}

/** A client id is at most 64 characters: `demo-` + user + `-` + 8 random characters. */
const CLIENT_ID_USER_CHARS = 50;
/** The longest keep alive a browser tab can rely on: background tabs run timers late (see docs/mqtt.md). */
export const DEMO_KEEPALIVE_SECONDS = 60;

/** `ws(s)://HOST/rooms/ROOM/mqtt`, secure when the page is. */
export function mqttUrl(page: { protocol: string; host: string }, room: string): string {
	const scheme = page.protocol === "https:" ? "wss" : "ws";
	return `${scheme}://${page.host}/rooms/${encodeURIComponent(room)}/mqtt`;
}

/** `demo-USER-SUFFIX`, cut to fit the 64 characters a client id may have. */
export function clientIdFor(userId: string, suffix: string): string {
	return `demo-${userId.slice(0, CLIENT_ID_USER_CHARS)}-${suffix}`;
}

/** Eight random characters for this tab, room and user, kept in `storage` so a reload reuses them. */
export function tabSuffix(storage: Pick<Storage, "getItem" | "setItem">, room: string, userId: string): string {
	const key = `edge-rooms:mqtt-client:${room}:${userId}`;
	const kept = storage.getItem(key);
	if (kept && /^[a-z0-9]{8}$/.test(kept)) return kept;
	const suffix = crypto.randomUUID().replace(/-/g, "").slice(0, 8);
	storage.setItem(key, suffix);
	return suffix;
}

/** MQTT.js options: MQTT 3.1.1, the user name (and token), and a persistent session when `keep`. */
export function connectOptions(identity: MqttPageIdentity, clientId: string, keep: boolean): IClientOptions {
	return {
		protocolVersion: 4,
		clientId,
		clean: !keep,
		username: identity.userId,
		...(identity.token ? { password: identity.token } : {}),
		keepalive: DEMO_KEEPALIVE_SECONDS,
		reconnectPeriod: 2_000,
		connectTimeout: 10_000,
		// MQTT.js's default runs its timers in a Worker made from a blob: URL, which the page's
		// Content-Security-Policy (script-src 'self') forbids.
		timerVariant: "native",
	};
}
