/**
 * Every frame the README and the docs pages show, against the real `wrangler dev`: each `>` frame,
 * sent as written, is accepted (answered without an Error, or relayed), and each `<` frame has the
 * shape of a frame the server sends in a scenario that produces every event they show (event, key
 * order, value types; see test/support/frame-pattern.ts for what `…` allows). docs/PROTOCOL.md is
 * the contract, which runs ahead of what is built, so its examples are not read here.
 */
import { readdirSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { ServerFrame } from "../../src/protocol";
import { randomRoom } from "../support/client";
import { mismatch, parsePattern, type ShownFrame, shownFrames } from "../support/frame-pattern";
import { closeAll, connect, type E2EClient, join, WAIT_MS, waitForText } from "./clients";

const ROOT = new URL("../../", import.meta.url);
const PAGES = [
	"README.md",
	...readdirSync(new URL("docs/", ROOT))
		.filter((file) => file.endsWith(".md") && file !== "PROTOCOL.md")
		.map((file) => `docs/${file}`),
];
const frames = PAGES.flatMap((page) =>
	shownFrames(readFileSync(new URL(page, ROOT), "utf8")).map((frame) => ({ ...frame, page })),
);

afterEach(closeAll);

/** Sends `text` and waits for the first frame after it that answers `requestId`. */
async function answer(client: E2EClient, text: string, requestId: string): Promise<ServerFrame> {
	const from = client.frames.length;
	client.send(text);
	return client.waitFor((frame) => client.frames.indexOf(frame) >= from && frame.requestId === requestId, WAIT_MS);
}

async function register(client: E2EClient, requestData: object): Promise<ServerFrame> {
	const text = JSON.stringify({ eventType: "ClientEvent", event: "Register", requestId: "setup", requestData });
	return answer(client, text, "setup");
}

function send(client: E2EClient, event: string, requestId: string, requestData: object): Promise<ServerFrame> {
	return answer(client, JSON.stringify({ eventType: "ClientEvent", event, requestId, requestData }), requestId);
}

/** Every server event the pages show, from alice, bob, carol (batched presence) and dave. */
async function scenario(): Promise<E2EClient[]> {
	const room = randomRoom();
	const alice = await connect(room);
	await register(alice, { userId: "alice", name: "Alice" });
	const { client: bob } = await join(room, "bob");
	await alice.next("UserJoined", undefined, WAIT_MS);
	await send(alice, "SendMessage", "hi", { message: "hi bob" });
	await bob.next("Message", undefined, WAIT_MS);
	alice.send("ping");
	await waitForText(alice, "pong");
	const carol = await connect(room);
	await register(carol, { userId: "carol", presence: "batched" });
	await join(room, "dave");
	await carol.next("Presence", undefined, WAIT_MS);
	await send(carol, "UpdateUser", "away", { meta: { status: "away" } });
	alice.send({ eventType: "ClientEvent", event: "Signal", requestData: { signal: { typing: true } } });
	await bob.next("Signal", undefined, WAIT_MS);
	await send(alice, "SendMessage", "once", { message: "hi", clientMessageId: "c-42" });
	const resumed = await connect(room);
	await register(resumed, { userId: "alice", since: 0 });
	await send(resumed, "SendMessage", "again", { message: "hi", clientMessageId: "c-42" });
	return [alice, bob, carol, resumed];
}

function where(frame: ShownFrame & { page: string }): string {
	return `${frame.page}:${frame.line}: ${frame.text}`;
}

describe("the frames the README and the docs show", () => {
	it("shows frames at all, the README among them", () => {
		expect(frames.some((frame) => frame.page === "README.md")).toBe(true);
		expect(frames.filter((frame) => frame.direction === "<").length).toBeGreaterThan(8);
		expect(frames.filter((frame) => frame.direction === ">").length).toBeGreaterThan(5);
	});

	it("shows only client frames the server accepts", async () => {
		for (const frame of frames.filter((shown) => shown.direction === ">")) {
			const room = randomRoom();
			const { client: bob } = await join(room, "bob");
			const client = await connect(room);
			if (frame.text === "ping") {
				client.send("ping");
				await waitForText(client, "pong");
				continue;
			}
			const sent = JSON.parse(frame.text) as { event: string; requestId?: string };
			if (sent.event !== "Register") await register(client, { userId: "alice", name: "Alice" });
			if (sent.requestId === undefined) {
				client.send(frame.text);
				expect((await bob.next("Signal", undefined, WAIT_MS)).event, where(frame)).toBe("Signal");
			} else {
				const reply = await answer(client, frame.text, sent.requestId);
				expect(reply.event, `${where(frame)}\n→ ${JSON.stringify(reply)}`).not.toBe("Error");
			}
			closeAll();
		}
	});

	it("shows only server frames shaped as the server sends them", async () => {
		const clients = await scenario();
		const sent = clients.flatMap((client) => client.frames);
		const texts = clients.flatMap((client) => client.texts);
		for (const frame of frames.filter((shown) => shown.direction === "<")) {
			if (!frame.text.startsWith("{")) {
				expect(texts, where(frame)).toContain(frame.text);
				continue;
			}
			const event = /"event":"(\w+)"/.exec(frame.text)?.[1];
			const candidates = sent.filter((candidate) => candidate.event === event);
			expect(candidates.length, `${where(frame)}: the scenario sent no such event`).toBeGreaterThan(0);
			const problems = candidates.map((candidate) => mismatch(parsePattern(frame.text), candidate));
			const example = JSON.stringify(candidates[0]);
			expect(problems.includes(undefined), `${where(frame)}\n${problems.join("\n")}\ne.g. ${example}`).toBe(true);
		}
	});
});
