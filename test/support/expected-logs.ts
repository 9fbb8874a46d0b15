/**
 * For a test that breaks a room on purpose: the log lines it provokes are held back from the
 * test output, so that a line nobody expected (a real failure) stands out, and handed to the test
 * to assert. Only the expected room's lines that match are held back; every other line reaches
 * the console as usual. The room runs in the test's isolate (inside workerd, as
 * `runInDurableObject` needs), so its `console` is the one spied on. The console is as it was once the test ends.
 */
import { onTestFinished } from "vitest";

/** The lines `console[level]` got that start `room "ROOM": ` and match `expected` after that. */
export function expectRoomLogs(level: "error" | "warn", room: string, expected: RegExp): string[] {
	const prefix = `room "${room}": `;
	const held: string[] = [];
	// Not vi.spyOn: a second spy on the same method would be the first one, and write to itself.
	const write = console[level];
	console[level] = (...args: unknown[]) => {
		const line = args.map(String).join(" ");
		if (line.startsWith(prefix) && expected.test(line.slice(prefix.length))) held.push(line);
		else write.apply(console, args);
	};
	onTestFinished(() => {
		console[level] = write;
	});
	return held;
}

/** The warning a room logs as it closes `userId`'s connection with 4001, too far behind in its reading. */
export function expectTooSlowLogs(room: string, userId: string): string[] {
	return expectRoomLogs("warn", room, new RegExp(`^closing connection \\S+ \\(user "${userId}"\\) with 4001: `));
}
