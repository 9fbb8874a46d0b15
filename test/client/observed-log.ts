/**
 * Everything a page can observe of a RoomClient, as one log of lines in the order it happened:
 * each event with what it carries and the client's state at that moment, and what the page's
 * code would run a few microtasks later (an async listener's next steps), which in a browser runs
 * before the next frame is handled. Two runs that a page cannot tell apart give equal logs.
 */
import type { RoomClient } from "../../src/client";
import type { Recorded } from "./harness";

/** How many microtasks after each event the log looks again: an async listener's `await`s. */
const LATER_STEPS = 3;

function stateOf(client: RoomClient): string {
	const users = client.users.map((present) => `${present.userId}×${present.connections}`).join(",");
	return `[${client.state} users=${users} count=${client.userCount} lastSeq=${client.lastSeq} pending=${client.pendingSends}]`;
}

/** Starts the log of `recorded`'s client; the caller may push its own lines (promise outcomes). */
export function observe(recorded: Recorded): string[] {
	const { client } = recorded;
	const log: string[] = [];
	const saw = (line: string) => {
		log.push(`${line} ${stateOf(client)}`);
		void (async () => {
			for (let step = 1; step <= LATER_STEPS; step += 1) {
				await null;
				log.push(`${step} after ${line}`);
			}
		})();
	};
	client.on("message", (received, { history }) => saw(`message ${received.id} seq ${received.seq} history=${history}`));
	client.on("presence", (change) => saw(`presence ${change.type} count=${change.userCount}`));
	client.on("signal", (signal) => saw(`signal from ${signal.from.userId} ${JSON.stringify(signal.signal)}`));
	client.on("error", (failure) => saw(`error ${failure.code} ${failure.requestId ?? "-"}`));
	client.on("state", (state, previous) => saw(`state ${previous} -> ${state}`));
	client.on("registered", (info) => saw(`registered lastSeq ${info.lastSeq} reset=${info.reset}`));
	return log;
}
