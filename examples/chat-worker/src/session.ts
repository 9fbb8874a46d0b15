/**
 * A stand-in sign-in: `POST /login` with a name starts a session, kept in a signed cookie
 * (HMAC-SHA256 with SESSION_SECRET, by hono/cookie), HttpOnly so that no script reads it.
 * `readSession` is what the rooms' `authorize` calls on every upgrade and room request.
 * Put your real sign-in in `login`; the cookie part stays as it is. The session lives in the
 * cookie alone: signing out clears it in this browser, but a copy taken before stays valid until
 * it expires (keep sessions in KV or D1 if one must end everywhere at once).
 */
import type { Context } from "hono";
import { deleteCookie, setSignedCookie } from "hono/cookie";
import { parseSigned } from "hono/utils/cookie";

const COOKIE = "session";
const SESSION_SECONDS = 7 * 24 * 60 * 60;

export interface Session {
	userId: string;
	name: string;
	/** Epoch milliseconds; checked here too, since a cookie's Max-Age binds only the browser. */
	expiresAt: number;
}

/** `{"name": "Alice"}` as JSON or a form field; a name is 1-64 characters, as a room's are. */
export async function login(c: Context<{ Bindings: { SESSION_SECRET: string } }>): Promise<Response> {
	const body = c.req.header("Content-Type")?.startsWith("application/json")
		? await c.req.json<{ name?: unknown }>().catch(() => ({ name: undefined }))
		: await c.req.parseBody();
	const name = typeof body.name === "string" ? body.name.trim() : "";
	if (name.length < 1 || name.length > 64) {
		return c.json({ error: { code: "BAD_REQUEST", message: "a name of 1-64 characters is needed" } }, 400);
	}
	const session: Session = { userId: crypto.randomUUID(), name, expiresAt: Date.now() + SESSION_SECONDS * 1000 };
	await setSignedCookie(c, COOKIE, JSON.stringify(session), c.env.SESSION_SECRET, {
		path: "/",
		httpOnly: true,
		sameSite: "Lax",
		secure: new URL(c.req.url).protocol === "https:",
		maxAge: SESSION_SECONDS,
	});
	return c.json({ userId: session.userId, name: session.name });
}

export function logout(c: Context): Response {
	deleteCookie(c, COOKIE, { path: "/" });
	return c.body(null, 204);
}

/** The session of a request whose cookie this Worker signed and which has not expired. */
export async function readSession(request: Request, secret: string): Promise<Session | undefined> {
	const cookies = request.headers.get("Cookie");
	if (!cookies) return undefined;
	const value = (await parseSigned(cookies, secret, COOKIE))[COOKIE];
	if (!value) return undefined;
	const session = JSON.parse(value) as Session;
	return session.expiresAt > Date.now() ? session : undefined;
}
