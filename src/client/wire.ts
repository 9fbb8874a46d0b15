/** Frames on the wire, the socket URL and ids: the client's side of the protocol's encoding. */
import { CLIENT_EVENT_TYPE, ServerEvents } from "../protocol/constants";
import type { ClientFrame, ServerFrame } from "../protocol/types";
import type { RoomClientOptions } from "./types";

export function encodeClientFrame(event: ClientFrame["event"], requestId: string, requestData: object): string {
	return JSON.stringify({ eventType: CLIENT_EVENT_TYPE, event, requestId, requestData });
}

const SERVER_EVENT_NAMES: ReadonlySet<string> = new Set(Object.values(ServerEvents));

function isServerFrame(frame: unknown): frame is ServerFrame {
	if (typeof frame !== "object" || frame === null) return false;
	if (!("event" in frame) || typeof frame.event !== "string" || !SERVER_EVENT_NAMES.has(frame.event)) return false;
	return "data" in frame && typeof frame.data === "object" && frame.data !== null;
}

/**
 * The server events one socket message carries, in order: one for a frame of one event, each
 * element of a batched frame (1.2), none for an empty batch. The server is trusted for the shape
 * of each event's data; `undefined` stands for a frame or element that is not the protocol at all
 * (a proxy's error page, an unknown event), which must reach no handler.
 */
export function decodeServerFrames(data: unknown): Array<ServerFrame | undefined> {
	let parsed: unknown;
	try {
		parsed = typeof data === "string" ? JSON.parse(data) : undefined;
	} catch {
		parsed = undefined;
	}
	if (Array.isArray(parsed)) return parsed.map((event) => (isServerFrame(event) ? event : undefined));
	return [isServerFrame(parsed) ? parsed : undefined];
}

/**
 * `ws(s)://host[/prefix]/rooms/ROOM/ws[?token=…]`; the host defaults to the page's origin. A path
 * in the host is the prefix the rooms are mounted under in a Worker (`https://app.example/chat`).
 */
export function roomSocketUrl(host: string | undefined, room: string, token: string | undefined): string {
	const base = host ?? (globalThis as { location?: Location }).location?.origin;
	if (!base) throw new Error("RoomClient: no host given and no page origin to default to");
	const url = new URL(base);
	url.pathname = `${url.pathname.replace(/\/+$/, "")}/rooms/${encodeURIComponent(room)}/ws`;
	url.search = "";
	url.hash = "";
	url.protocol = url.protocol === "https:" || url.protocol === "wss:" ? "wss:" : "ws:";
	if (token !== undefined) url.searchParams.set("token", token);
	return url.toString();
}

/** The room's socket URL, asking a token function afresh each time. */
export async function socketUrlFor(options: Pick<RoomClientOptions, "host" | "room" | "token">): Promise<string> {
	const { token } = options;
	return roomSocketUrl(options.host, options.room, typeof token === "function" ? await token() : token);
}

/** 128 random bits as hex; `crypto.randomUUID` exists only on secure origins, this works on all. */
export function randomId(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(16));
	return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
