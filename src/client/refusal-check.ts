/**
 * Why a room keeps refusing our socket. A browser's WebSocket hides the upgrade's HTTP status (a
 * refused upgrade is only an `error` and a `1006` close), so after a failed attempt the client
 * asks the room's users page with the same token: `401 UNAUTHORIZED` (no token, or a bad one)
 * and `403 FORBIDDEN` (a room the token does not grant) come back there with the room's own error
 * body, and retrying cannot help. Refusals decided at the upgrade only (`ROOM_FULL`,
 * `TOO_MANY_CONNECTIONS`, an origin not allowed) answer 200 there: those stay retried.
 */
import { type ErrorCode, ErrorCodes } from "../protocol/constants";
import { type RefusalCode, RoomError } from "./errors";

/** Statuses that mean "not with this token": the same request will never pass. */
const FINAL_STATUSES: ReadonlyMap<number, ErrorCode | RefusalCode> = new Map<number, ErrorCode | RefusalCode>([
	[401, ErrorCodes.UNAUTHORIZED],
	[403, "FORBIDDEN"],
]);
const ASK_TIMEOUT_MS = 5_000;

/** What the check reads of an HTTP answer (a `Response` has it). */
export interface HttpAnswer {
	status: number;
	json(): Promise<unknown>;
}

/** The global `fetch`, or a stand-in; typed without DOM types, so that the package needs none. */
export type FetchLike = (url: string) => Promise<HttpAnswer>;

/** `ws(s)://host/rooms/ROOM/ws?token=…` → `http(s)://host/rooms/ROOM/users?token=…` */
export function usersUrlFor(socketUrl: string): string {
	const url = new URL(socketUrl);
	url.protocol = url.protocol === "wss:" ? "https:" : "http:";
	url.pathname = url.pathname.replace(/\/ws$/, "/users");
	return url.toString();
}

/** The room's answer as a RoomError when it refuses us for good; undefined when it does not, or cannot be asked. */
export async function askWhyRefused(socketUrl: string, fetchUrl: FetchLike): Promise<RoomError | undefined> {
	let stopTimer = () => {};
	const timedOut = new Promise<undefined>((resolve) => {
		const timer = setTimeout(resolve, ASK_TIMEOUT_MS);
		stopTimer = () => clearTimeout(timer);
	});
	let response: HttpAnswer | undefined;
	try {
		// A room that does not answer soon tells nothing; the request is left to the runtime.
		response = await Promise.race([fetchUrl(usersUrlFor(socketUrl)), timedOut]);
	} catch {
		return undefined;
	} finally {
		stopTimer();
	}
	if (response === undefined) return undefined;
	const code = FINAL_STATUSES.get(response.status);
	if (code === undefined) return undefined;
	const body = (await response.json().catch(() => undefined)) as { error?: { message?: unknown } } | undefined;
	const message =
		typeof body?.error?.message === "string" ? body.error.message : `the room answered ${response.status}`;
	return new RoomError(code, message);
}

/**
 * Asks after the first failed attempt of a streak and after every `everyFailures`-th one after
 * it, so a flapping network costs one small request per few attempts, never one per attempt.
 */
export class RefusalCheck {
	readonly #fetch: FetchLike | undefined;
	readonly #everyFailures: number;
	#lastUrl: string | undefined;
	#failures = 0;

	constructor(fetchUrl: FetchLike | undefined, everyFailures = 3) {
		this.#fetch = fetchUrl;
		this.#everyFailures = everyFailures;
	}

	/** Remembers the URL of the attempt under way (its token is the one to ask with). */
	async track(url: Promise<string>): Promise<string> {
		this.#lastUrl = await url;
		return this.#lastUrl;
	}

	/** A socket opened: the streak is over. */
	opened(): void {
		this.#failures = 0;
	}

	/** An attempt failed: the final refusal, when asking is due and the room gives one. */
	async failed(): Promise<RoomError | undefined> {
		this.#failures += 1;
		const due = this.#failures === 1 || this.#failures % this.#everyFailures === 0;
		if (!due || !this.#fetch || this.#lastUrl === undefined) return undefined;
		return askWhyRefused(this.#lastUrl, this.#fetch);
	}
}
