/** Room tokens for tests: good ones, and every kind of bad one the Worker must refuse. */
import { sign } from "hono/jwt";
import { TEST_AUTH_SECRET } from "./pinned-vars";

const nowSeconds = () => Math.floor(Date.now() / 1000);

export interface TokenOptions {
	sub?: unknown;
	name?: unknown;
	rooms?: unknown;
	/** Seconds from now; negative for an expired token. */
	ttl?: number;
	/** Extra or replacement claims, `undefined` values removed (to drop `exp` or `sub`). */
	claims?: Record<string, unknown>;
	secret?: string;
}

export async function roomToken(options: TokenOptions = {}): Promise<string> {
	const payload: Record<string, unknown> = {
		sub: options.sub ?? "alice",
		exp: nowSeconds() + (options.ttl ?? 3600),
	};
	if (options.name !== undefined) payload.name = options.name;
	if (options.rooms !== undefined) payload.rooms = options.rooms;
	for (const [key, value] of Object.entries(options.claims ?? {})) {
		if (value === undefined) delete payload[key];
		else payload[key] = value;
	}
	return sign(payload, options.secret ?? TEST_AUTH_SECRET, "HS256");
}

function base64url(value: unknown): string {
	return btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

/** An unsigned token (`alg: none`) claiming to be alice, valid in every other way. */
export function unsignedToken(sub = "alice"): string {
	return `${base64url({ alg: "none", typ: "JWT" })}.${base64url({ sub, exp: nowSeconds() + 3600 })}.`;
}

/** Bad tokens, each with what is wrong with it. */
export async function badTokens(): Promise<[string, string][]> {
	const good = await roomToken();
	const [header, payload] = good.split(".");
	return [
		["forged (signed with another secret)", await roomToken({ secret: "not-the-secret" })],
		["expired", await roomToken({ ttl: -10 })],
		["alg none", unsignedToken()],
		["alg none, signature of the real token appended", `${unsignedToken()}${good.split(".")[2]}`],
		["HS512 instead of HS256", await sign({ sub: "alice", exp: nowSeconds() + 60 }, TEST_AUTH_SECRET, "HS512")],
		["malformed: not a JWT", "not-a-token"],
		["malformed: two parts", `${header}.${payload}`],
		["malformed: garbage parts", "a.b.c"],
		["tampered payload", `${header}.${base64url({ sub: "mallory", exp: nowSeconds() + 3600 })}.${good.split(".")[2]}`],
		["without exp", await roomToken({ claims: { exp: undefined } })],
		["without sub", await roomToken({ claims: { sub: undefined } })],
		["sub not a string", await roomToken({ sub: 42 })],
		["sub too long", await roomToken({ sub: "x".repeat(65) })],
		["rooms not a list", await roomToken({ rooms: "lobby" })],
		["exp not a number", await roomToken({ claims: { exp: "tomorrow" } })],
		["not yet valid (nbf in the future)", await roomToken({ claims: { nbf: nowSeconds() + 600 } })],
	];
}
