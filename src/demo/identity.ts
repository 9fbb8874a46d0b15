/**
 * Who the demo page joins as. With `&token=` it is the token's user: the room binds a connection
 * to the token's `sub` (and its `name`, when it sets one) and refuses any other, so the page reads
 * them from the token's payload. It does not verify the token: the room does, and says why it
 * refuses one. Without a token, `user=` is the userId. `&name=` is the display name wherever the
 * token sets none.
 */

/** What the page reads of a token's payload. */
export interface TokenClaims {
	sub: string;
	name: string | undefined;
	/** Seconds since the epoch. */
	exp: number | undefined;
	rooms: string[] | undefined;
}

export type PageIdentity =
	| { ok: true; userId: string; name: string; token: string | undefined; claims: TokenClaims | undefined }
	| { ok: false; problem: string };

/** The identity the address gives, or undefined when it names no one (the page shows its form). */
export function pageIdentity(params: URLSearchParams): PageIdentity | undefined {
	const token = params.get("token") || undefined;
	const name = params.get("name") || undefined;
	if (token !== undefined) {
		const claims = readTokenClaims(token);
		if (!claims) {
			return {
				ok: false,
				problem:
					"The token in this page's address is not a room token: a room token is a JWT whose payload has a sub. Mint one with npm run token.",
			};
		}
		return { ok: true, userId: claims.sub, name: claims.name ?? name ?? claims.sub, token, claims };
	}
	const user = params.get("user") || undefined;
	if (user === undefined) return undefined;
	return { ok: true, userId: user, name: name ?? user, token: undefined, claims: undefined };
}

/** The payload of a JWT (`header.payload.signature`), unverified; undefined unless it has a string `sub`. */
export function readTokenClaims(token: string): TokenClaims | undefined {
	const parts = token.split(".");
	if (parts.length !== 3) return undefined;
	let payload: unknown;
	try {
		payload = JSON.parse(decodeBase64Url(parts[1] as string));
	} catch {
		return undefined;
	}
	if (typeof payload !== "object" || payload === null) return undefined;
	const { sub, name, exp, rooms } = payload as Record<string, unknown>;
	if (typeof sub !== "string" || sub === "") return undefined;
	return {
		sub,
		name: typeof name === "string" && name !== "" ? name : undefined,
		exp: typeof exp === "number" ? exp : undefined,
		rooms: Array.isArray(rooms) ? rooms.filter((room): room is string => typeof room === "string") : undefined,
	};
}

/** Base64url to text, as UTF-8 (a name may be any language's). */
function decodeBase64Url(text: string): string {
	const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
	const binary = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), "="));
	const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
	return new TextDecoder().decode(bytes);
}
