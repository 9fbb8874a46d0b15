/**
 * What a project that installed the package writes: a Node script that joins a real room, and a
 * TypeScript file type-checked under `nodenext` and `bundler` resolution with the strictest
 * options a user may have on (and no DOM library: the types must not need one).
 */

/** `node join.mjs HOST ROOM`: the exports, then one message through a real room, as JSON. */
export const JOIN_SCRIPT = `
import * as client from "edge-rooms/client";
import * as react from "edge-rooms/react";

const [host, room] = process.argv.slice(2);
const alice = new client.RoomClient({ room, userId: "alice", name: "Alice", host });
await alice.connect();
const ack = await alice.send("hello from Node");
const users = alice.users.map((user) => user.userId);
await alice.close();
console.log(JSON.stringify({
	client: Object.keys(client).sort(),
	react: Object.keys(react).sort(),
	seq: ack.seq,
	users,
	state: alice.state,
}));
`;

export const CONSUMER_SOURCE = `
import { type Message, RoomClient, type RoomClientOptions, RoomError, type User } from "edge-rooms/client";
import { type RoomHandle, useRoom, useSignal } from "edge-rooms/react";

const seen: unknown[] = [];
const options: RoomClientOptions = { room: "lobby", userId: "alice", name: "Alice", host: "https://rooms.example.com" };
const client = new RoomClient(options);
client.on("message", (message: Message, { history }) => {
	const seq: number = message.seq;
	const to: string | undefined = message.to;
	seen.push(seq, to, history);
});
client.on("presence", ({ users, userCount }) => {
	const first: User | undefined = users[0];
	seen.push(first?.name, userCount);
});
client.on("error", (error: RoomError) => {
	seen.push(error.code);
});
export async function talk(): Promise<number> {
	await client.connect();
	const ack = await client.send({ text: "hi" }, { to: "bob" });
	await client.updateUser({ meta: { status: "away" } });
	await client.close();
	return ack.seq;
}

export function useLobby(): string {
	const room: RoomHandle = useRoom({ room: "lobby", userId: "alice", messageLimit: 100 });
	useSignal(room, (signal) => {
		seen.push(signal.from.userId, signal.signal);
	});
	const last = room.messages[room.messages.length - 1];
	void room.send("hello");
	return \`\${room.state} \${room.userCount} \${last?.from.name ?? ""}\`;
}
`;

const STRICT = {
	strict: true,
	exactOptionalPropertyTypes: true,
	noUncheckedIndexedAccess: true,
	skipLibCheck: false,
	noEmit: true,
	target: "es2022",
	lib: ["es2022"],
	types: [],
};

export const TSCONFIGS = {
	nodenext: {
		compilerOptions: { ...STRICT, module: "nodenext", moduleResolution: "nodenext" },
		files: ["consumer.ts"],
	},
	bundler: { compilerOptions: { ...STRICT, module: "esnext", moduleResolution: "bundler" }, files: ["consumer.ts"] },
} as const;
