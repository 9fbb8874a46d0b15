/**
 * Fuzz: thousands of random and mutated frames from one registered connection, with observers
 * in the room (one of them in batched frames). The room must never fail, answer every frame exactly once, keep its roster and
 * seq consistent, and tell the others exactly what the valid frames among them caused.
 *
 * FUZZ_FRAMES (default 10000) and FUZZ_SEED (default 20261125) set the run; vitest.config.ts
 * reads both from the environment: `FUZZ_FRAMES=200000 npx vitest run --project workerd fuzz`.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { jsonValueProblem, type MessagesPage, type ServerFrame, type User } from "../../src/protocol";
import { type FrameOf, isProbeReply, randomRoom } from "../support/client";
import { type FuzzFrame, fuzzFrames } from "../support/fuzz-frames";
import { connect, join, roomUrl, usersOf } from "./connect";

const FRAMES = Number(env.FUZZ_FRAMES || 10_000);
const SEED = Number(env.FUZZ_SEED || 20_261_125);
const BATCH = 250;
const OBSERVERS = ["obs-1", "obs-2"];

describe("fuzz", () => {
	it(`survives ${FRAMES} random and mutated frames (seed ${SEED})`, { timeout: 60_000 + FRAMES * 10 }, async () => {
		const room = randomRoom();
		// One observer in batched frames (1.2): what it hears must not differ from the other's.
		const observers = [await join(room, "obs-1", { name: "Observer" }), await join(room, "obs-2", { batch: true })];
		const lurker = await connect(room);
		const fuzzer = await connect(room);
		const joined = await fuzzer.register("fuzzer");
		if (joined.event !== "Registered") throw new Error("fuzzer could not register");
		for (const observer of observers) await observer.next("UserJoined", (f) => f.data.user.userId === "fuzzer");
		const before = fuzzer.frames.length;
		const heardBefore = observers.map((observer) => observer.frames.length);

		const frames = fuzzFrames(SEED, FRAMES);
		for (let start = 0; start < frames.length; start += BATCH) {
			for (const frame of frames.slice(start, start + BATCH)) fuzzer.send(frame);
			await fuzzer.settle(30_000);
		}
		const replies = fuzzer.frames.slice(before).filter((f) => !isProbeReply(f));

		// Exactly one reply per frame, in order (so reply k answers frame k), and never a failure.
		expect(replies).toHaveLength(frames.length);
		expect(replies.filter((f) => !["Registered", "Unregistered", "MessageAck", "Error"].includes(f.event))).toEqual([]);
		// A generated requestId z<k> belongs to frame k: a reply carrying it answers that frame only.
		const misplaced = replies.filter((f, k) => /^z\d+$/.test(f.requestId ?? "") && f.requestId !== `z${k}`);
		expect(misplaced).toEqual([]);
		expect(replies.filter((f) => f.event === "Error" && f.data.code === "INTERNAL")).toEqual([]);
		const kinds = tally(replies.map((f) => (f.event === "Error" ? f.data.code : f.event)));
		// The generator reached every path, not only BAD_JSON.
		for (const kind of ["Registered", "Unregistered", "MessageAck", "BAD_JSON", "BAD_REQUEST", "BAD_FRAME"]) {
			expect(kinds[kind] ?? 0, `${kind} in ${JSON.stringify(kinds)}`).toBeGreaterThan(0);
		}
		// Values past the rule were refused as such, and values within it were stored.
		for (const problem of ["nests deeper than 64", "out of range"]) {
			const refused = replies.filter((f) => f.event === "Error" && f.data.message.includes(problem));
			expect(refused.length, problem).toBeGreaterThan(0);
		}
		const deepStored = replies.filter((f, k) => f.event === "MessageAck" && depthOf(frames[k]) >= 60);
		expect(deepStored.length).toBeGreaterThan(0);
		for (const kind of ["UNKNOWN_EVENT", "NOT_REGISTERED", "USER_NOT_FOUND", "MESSAGE_TOO_LARGE"]) {
			expect(kinds[kind] ?? 0, `${kind} in ${JSON.stringify(kinds)}`).toBeGreaterThan(0);
		}

		// seq: new messages are numbered 1, 2, 3… with nothing skipped or reused.
		const fresh = replies.filter((f): f is FrameOf<"MessageAck"> => f.event === "MessageAck" && !f.data.duplicate);
		expect(fresh.map((f) => f.data.seq)).toEqual(fresh.map((_, i) => i + 1));

		// The others heard exactly what the valid frames caused, in order, and nothing else.
		const model = expectedBroadcasts(frames, replies, joined.data.self);
		for (const [i, observer] of observers.entries()) {
			await observer.settle();
			const heard = observer.frames.slice(heardBefore[i]).filter((f) => !isProbeReply(f));
			expect(heard.map(describeFrame)).toEqual(model.heardBy(OBSERVERS[i] as string));
		}
		await lurker.settle();
		expect(lurker.pending()).toEqual([]);

		// The roster: the observers as they were, and the fuzzer as its last reply left it.
		const users: User[] = await usersOf(room);
		const expected = new Map(OBSERVERS.map((id) => [id, 1]));
		if (model.finalUser) expected.set(model.finalUser, (expected.get(model.finalUser) ?? 0) + 1);
		expect(new Map(users.map((u) => [u.userId, u.connections]))).toEqual(expected);

		// Everything stored replays: a join, a resume from the start and the HTTP pages encode it all.
		const late = await join(room, "late");
		const lastSeq = fresh.length;
		const joinedLate = late.received("Registered")[0];
		expect(joinedLate?.data.lastSeq).toBe(lastSeq);
		expect(joinedLate?.data.history.length).toBe(Math.min(lastSeq, 50));
		const resumed = await late.request("Register", { userId: "late", since: Math.max(0, lastSeq - 100) });
		expect(resumed.event === "Registered" && resumed.data.history.map((m) => m.seq).at(-1)).toBe(lastSeq || false);
		const page = await exports.default.fetch(roomUrl(room, `messages?limit=500`));
		expect(page.status).toBe(200);
		for (const message of (await page.json<MessagesPage>()).messages)
			expect(jsonValueProblem(message.message)).toBe(undefined);

		// And the room still works for everyone.
		const after = await observers[0]?.request("SendMessage", { message: "still fine" });
		expect(after).toMatchObject({ event: "MessageAck", data: { seq: fresh.length + 1 } });
		expect((await observers[1]?.next("Message", (m) => m.data.message === "still fine"))?.data.seq).toBe(
			fresh.length + 1,
		);
	});
});

/**
 * What each observer must have heard, from the fuzzer's replies: reply k answers frame k, so a
 * MessageAck's frame says whom the message was for, and each Registered/Unregistered changes
 * the fuzzer's place in the roster as the protocol describes.
 */
function expectedBroadcasts(frames: FuzzFrame[], replies: ServerFrame[], start: User) {
	const events: { text: string; to?: string }[] = [];
	let current: User | undefined = start;
	replies.forEach((reply, k) => {
		if (reply.event === "MessageAck" && !reply.data.duplicate) {
			const to = targetOf(frames[k]);
			events.push(to === undefined ? { text: `Message ${reply.data.id}` } : { text: `Message ${reply.data.id}`, to });
		} else if (reply.event === "Registered") {
			const after = reply.data.self;
			if (!current) {
				// A new registration: a join, or one more tab of an observer's user.
				const shared = OBSERVERS.includes(after.userId);
				events.push({ text: `${shared ? "UserUpdated" : "UserJoined"} ${after.userId}` });
			} else if (visiblyChanged(current, after)) events.push({ text: `UserUpdated ${after.userId}` });
			current = after;
		} else if (reply.event === "Unregistered" && current) {
			const shared = OBSERVERS.includes(current.userId);
			events.push({ text: `${shared ? "UserUpdated" : "UserLeft"} ${current.userId}` });
			current = undefined;
		}
	});
	return {
		finalUser: current?.userId,
		heardBy: (userId: string) => events.filter((e) => e.to === undefined || e.to === userId).map((e) => e.text),
	};
}

function visiblyChanged(before: User, after: User): boolean {
	return before.name !== after.name || JSON.stringify(before.meta) !== JSON.stringify(after.meta);
}

/** The `to` of an acked SendMessage frame (it parsed, or it would not have been acked). */
function targetOf(frame: FuzzFrame | undefined): string | undefined {
	if (typeof frame !== "string") throw new Error("a binary frame was acked");
	const to: unknown = JSON.parse(frame).requestData?.to;
	return typeof to === "string" ? to : undefined;
}

function describeFrame(frame: ServerFrame): string {
	if (frame.event === "Message") return `Message ${frame.data.id}`;
	if (frame.event === "UserJoined" || frame.event === "UserUpdated" || frame.event === "UserLeft") {
		return `${frame.event} ${frame.data.user.userId}`;
	}
	return `unexpected ${JSON.stringify(frame)}`;
}

/** How deep an acked SendMessage frame's message nests (it parsed, or it would not have been acked). */
function depthOf(frame: FuzzFrame | undefined): number {
	if (typeof frame !== "string") return 0;
	const message: unknown = JSON.parse(frame).requestData?.message;
	let depth = 0;
	for (let level: unknown = message; typeof level === "object" && level !== null; depth++) {
		level = Object.values(level)[0];
	}
	return depth;
}

function tally(items: string[]): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const item of items) counts[item] = (counts[item] ?? 0) + 1;
	return counts;
}
