/** The register/unregister state machine on its own, against a host that records what it is told. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type RoomClientState, RoomError } from "../../src/client";
import { type ControlEvent, Registration } from "../../src/client/registration";
import { ErrorCodes } from "../../src/protocol/constants";
import { registeredData } from "./harness";

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

interface Written {
	event: ControlEvent;
	requestId: string;
	data: object;
}

/**
 * A Registration whose host plays the client's part: `entered` makes it registered, `left`
 * unregistered, `refused` closed. The socket is open unless the test says otherwise; the backoff
 * draws 0.5 of ceilings 1 s, 2 s, 4 s.
 */
function setup(retryMs = 1_000) {
	const world = { state: "connecting" as RoomClientState, open: true, lastSeq: 0 };
	const told: string[] = [];
	const written: Written[] = [];
	let counter = 0;
	const registration: Registration = new Registration(
		{
			state: () => world.state,
			isOpen: () => world.open,
			nextRequestId: (prefix) => `${prefix}${++counter}`,
			write: (event, requestId, data) => written.push({ event, requestId, data }),
			lastSeq: () => world.lastSeq,
			entered: (data) => {
				told.push(`entered at ${data.lastSeq}`);
				world.state = "registered";
			},
			staying: () => told.push("staying"),
			leaving: () => told.push("leaving"),
			left: () => {
				told.push("left");
				world.state = "unregistered";
			},
			refused: (error) => {
				told.push(`refused ${error.code}`);
				world.state = "closed";
				registration.stop(error);
			},
			turnedAway: (error) => told.push(`turned away ${error.code}`),
		},
		{
			identity: () => ({ userId: "alice", name: "Alice", presence: "batched" }),
			retryMs,
			backoff: { baseMs: 1_000, maxMs: 4_000 },
			random: () => 0.5,
			// Registers on open, as in 1.1: waiting for the room's welcome is batching.test.ts's.
			batch: false,
		},
	);
	const last = (): Written => {
		const frame = written.at(-1);
		if (!frame) throw new Error("nothing was written");
		return frame;
	};
	return { registration, world, told, written, last };
}

const refusal = (requestId: string, code: RoomError["code"]) => new RoomError(code, "refused", requestId);

/** Moves the clock 10 ms at a time until something more is written; answers how long that took. */
async function nextWrite(written: Written[], limitMs = 10_000): Promise<number> {
	const before = written.length;
	for (let waited = 0; waited <= limitMs; waited += 10) {
		if (written.length > before) return waited;
		await vi.advanceTimersByTimeAsync(10);
	}
	throw new Error(`nothing written within ${limitMs} ms`);
}

describe("register → Registered", () => {
	it("a Register on open with the identity; its answer enters, resolves the waiters and stays", async () => {
		const { registration, told, last } = setup();
		const waiting = registration.whenRegistered();
		registration.opened();
		expect(last()).toEqual({
			event: "Register",
			requestId: "r1",
			data: { userId: "alice", name: "Alice", presence: "batched" },
		});
		registration.onRegistered("r0", registeredData());
		expect(told).toEqual([]);
		registration.onRegistered("r1", registeredData({ lastSeq: 3 }));
		await waiting;
		expect(told).toEqual(["entered at 3", "staying"]);
		expect(registration.everRegistered).toBe(true);
		await registration.whenRegistered();
	});

	it("on the next socket, the Register resumes from the last seq seen", () => {
		const { registration, world, last } = setup();
		registration.opened();
		registration.onRegistered(last().requestId, registeredData());
		registration.closed();
		world.state = "reconnecting";
		world.lastSeq = 7;
		registration.opened();
		expect(last()).toMatchObject({ event: "Register", data: { userId: "alice", since: 7 } });
	});
});

describe("unregister during register", () => {
	it("leaves the sends at once; the Unregister waits for the Registered, and nothing stays", async () => {
		const { registration, world, told, written, last } = setup();
		registration.opened();
		let out = false;
		const leaving = registration.unregister().then(() => {
			out = true;
		});
		expect(told).toEqual(["leaving"]);
		expect(written.map((frame) => frame.event)).toEqual(["Register"]);
		registration.onRegistered("r1", registeredData());
		expect(told).toEqual(["leaving", "entered at 0"]);
		expect(last()).toEqual({ event: "Unregister", requestId: "u2", data: {} });
		await Promise.resolve();
		expect(out).toBe(false);
		registration.onUnregistered("u2");
		await leaving;
		expect(told.at(-1)).toBe("left");
		expect(world.state).toBe("unregistered");
		expect(registration.wanted).toBe(false);
	});

	it("with no Register on its way and no room to leave, unregister() is done at once", async () => {
		const { registration, world, told, written } = setup();
		world.open = false;
		await registration.unregister();
		expect(told).toEqual(["leaving", "left"]);
		expect(written).toEqual([]);
		world.open = true;
		registration.opened();
		expect(written).toEqual([]);
	});

	it("a socket that closes ends a pending unregister(); the late Unregistered is ignored", async () => {
		const { registration, world, told } = setup();
		registration.opened();
		registration.onRegistered("r1", registeredData());
		const leaving = registration.unregister();
		registration.closed();
		world.state = "reconnecting";
		await leaving;
		registration.onUnregistered("u2");
		expect(told).toEqual(["entered at 0", "staying", "leaving"]);
	});
});

describe("an Error answering Register", () => {
	it("is final: the host is told, waiters are rejected, and nothing is sent again", async () => {
		const { registration, told, written } = setup();
		const waiting = registration.whenRegistered();
		registration.opened();
		expect(registration.onError(refusal("r1", ErrorCodes.UNAUTHORIZED))).toBe(true);
		await expect(waiting).rejects.toMatchObject({ code: "UNAUTHORIZED" });
		expect(told).toEqual(["refused UNAUTHORIZED"]);
		await vi.advanceTimersByTimeAsync(60_000);
		expect(written).toHaveLength(1);
		await expect(registration.whenRegistered()).rejects.toMatchObject({ code: "CLOSED" });
	});

	it("an Error for any other request is not the registration's", () => {
		const { registration, told } = setup();
		registration.opened();
		expect(registration.onError(refusal("m2", ErrorCodes.RATE_LIMITED))).toBe(false);
		expect(registration.onError(new RoomError(ErrorCodes.BAD_JSON, "no id"))).toBe(false);
		expect(told).toEqual([]);
	});
});

describe("a Register turned away for now (INTERNAL, TOO_MANY_CONNECTIONS)", () => {
	it.each([ErrorCodes.INTERNAL, ErrorCodes.TOO_MANY_CONNECTIONS])(
		"%s: the host is told, and the Register goes again after a growing backoff until it is answered",
		async (code) => {
			const { registration, world, told, written, last } = setup();
			const waiting = registration.whenRegistered();
			registration.opened();
			const waits: number[] = [];
			for (let attempt = 0; attempt < 4; attempt += 1) {
				expect(registration.onError(refusal(last().requestId, code))).toBe(true);
				waits.push(await nextWrite(written));
			}
			// Ceilings 1 s, 2 s, 4 s and 4 s (the most), each drawn at half.
			expect(waits).toEqual([500, 1_000, 2_000, 2_000]);
			expect(told).toEqual(Array(4).fill(`turned away ${code}`));
			expect(world.state).toBe("connecting");
			registration.onRegistered(last().requestId, registeredData());
			await waiting;
			// Answered: the next refusal starts from the first ceiling again.
			registration.closed();
			registration.opened();
			registration.onError(refusal(last().requestId, code));
			await vi.advanceTimersByTimeAsync(500);
			expect(written).toHaveLength(7);
		},
	);

	it("a retry waiting is dropped when its socket closes, and replaced by a Register that goes sooner", async () => {
		const { registration, world, written, last } = setup();
		registration.opened();
		registration.onError(refusal("r1", ErrorCodes.INTERNAL));
		registration.closed();
		await vi.advanceTimersByTimeAsync(5_000);
		expect(written).toHaveLength(1);
		registration.opened();
		registration.onError(refusal("r2", ErrorCodes.INTERNAL));
		world.state = "unregistered";
		void registration.register();
		expect(last().requestId).toBe("r3");
		await vi.advanceTimersByTimeAsync(5_000);
		expect(written.map((frame) => frame.requestId)).toEqual(["r1", "r2", "r3"]);
	});
});

describe("a rate-limited Register is retried on its own socket only", () => {
	it("goes again after retryMs while the same socket is open", async () => {
		const { registration, written } = setup(250);
		registration.opened();
		expect(registration.onError(refusal("r1", ErrorCodes.RATE_LIMITED))).toBe(true);
		await vi.advanceTimersByTimeAsync(249);
		expect(written).toHaveLength(1);
		await vi.advanceTimersByTimeAsync(1);
		expect(written.map((frame) => frame.requestId)).toEqual(["r1", "r2"]);
	});

	it("is dropped when its socket closed, or is no longer open when the retry is due", async () => {
		const { registration, world, written } = setup();
		registration.opened();
		registration.onError(refusal("r1", ErrorCodes.RATE_LIMITED));
		registration.closed();
		await vi.advanceTimersByTimeAsync(5_000);
		expect(written).toHaveLength(1);
		registration.opened();
		registration.onError(refusal("r2", ErrorCodes.RATE_LIMITED));
		world.open = false;
		await vi.advanceTimersByTimeAsync(5_000);
		expect(written.map((frame) => frame.requestId)).toEqual(["r1", "r2"]);
	});
});
