/**
 * Why a room keeps refusing our socket. A browser's WebSocket hides the upgrade's HTTP status (a
 * refused upgrade is only an `error` and a `1006` close), so after a failed attempt the client
 * asks the same URL over HTTP, without the upgrade and with the same token: the room answers with
 * the refusal the upgrade got, or `426` when nothing refuses us (the failure was the network's).
 * `401 UNAUTHORIZED` and `403 FORBIDDEN` (a room the token does not grant, an origin not allowed)
 * are final: the same request will never pass. `503 ROOM_FULL` and `429 TOO_MANY_CONNECTIONS`
 * are the reason for now: a room empties and tabs close, so those stay retried.
 */
import { type ErrorCode, ErrorCodes } from "../protocol/constants";
import { type RefusalCode, RoomError } from "./errors";

/** Statuses that mean "not with this token, not from here": retrying cannot help. */
const FINAL_STATUSES: ReadonlyMap<number, ErrorCode | RefusalCode> = new Map<number, ErrorCode | RefusalCode>([
	[401, ErrorCodes.UNAUTHORIZED],
	[403, "FORBIDDEN"],
]);
/** Statuses that say why we are turned away for now. */
const PASSING_STATUSES: ReadonlyMap<number, ErrorCode | RefusalCode> = new Map<number, ErrorCode | RefusalCode>([
	[503, ErrorCodes.ROOM_FULL],
	[429, ErrorCodes.TOO_MANY_CONNECTIONS],
]);
const ASK_TIMEOUT_MS = 5_000;

/** The room's reason, and whether it is for good. */
export interface Refusal {
	error: RoomError;
	final: boolean;
}

/** What the check reads of an HTTP answer (a `Response` has it). */
export interface HttpAnswer {
	status: number;
	json(): Promise<unknown>;
}

/** The global `fetch`, or a stand-in; typed without DOM types, so that the package needs none. */
export type FetchLike = (url: string) => Promise<HttpAnswer>;

/** `ws(s)://host/rooms/ROOM/ws?token=…` → `http(s)://host/rooms/ROOM/ws?token=…` */
export function askUrlFor(socketUrl: string): string {
	const url = new URL(socketUrl);
	url.protocol = url.protocol === "wss:" ? "https:" : "http:";
	return url.toString();
}

/** The room's refusal; undefined when it admits us (or says something else), or cannot be asked. */
export async function askWhyRefused(socketUrl: string, fetchUrl: FetchLike): Promise<Refusal | undefined> {
	let stopTimer = () => {};
	const timedOut = new Promise<undefined>((resolve) => {
		const timer = setTimeout(resolve, ASK_TIMEOUT_MS);
		stopTimer = () => clearTimeout(timer);
	});
	let response: HttpAnswer | undefined;
	try {
		// A room that does not answer soon tells nothing; the request is left to the runtime.
		response = await Promise.race([fetchUrl(askUrlFor(socketUrl)), timedOut]);
	} catch {
		return undefined;
	} finally {
		stopTimer();
	}
	if (response === undefined) return undefined;
	const finalCode = FINAL_STATUSES.get(response.status);
	const code = finalCode ?? PASSING_STATUSES.get(response.status);
	if (code === undefined) return undefined;
	const body = (await response.json().catch(() => undefined)) as { error?: { message?: unknown } } | undefined;
	const message =
		typeof body?.error?.message === "string" ? body.error.message : `the room answered ${response.status}`;
	return { error: new RoomError(code, message), final: finalCode !== undefined };
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
	#passing: RoomError | undefined;

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
		this.#passing = undefined;
	}

	/** The reason the room last gave for turning us away for now, until it admits us. */
	get passing(): RoomError | undefined {
		return this.#passing;
	}

	/** An attempt failed: the room's refusal, when asking is due and the room gives one. */
	async failed(): Promise<Refusal | undefined> {
		this.#failures += 1;
		const due = this.#failures === 1 || this.#failures % this.#everyFailures === 0;
		if (!due || !this.#fetch || this.#lastUrl === undefined) return undefined;
		const refusal = await askWhyRefused(this.#lastUrl, this.#fetch);
		this.#passing = refusal?.final === false ? refusal.error : undefined;
		return refusal;
	}
}
