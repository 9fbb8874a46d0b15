/**
 * Where a workerd's CPU went, from `perf script` output of `perf record -g` with V8's perf map
 * (`--perf-basic-prof`, so JavaScript frames are named `JS:…`). Each sample is put in the first
 * part whose rule its stack meets, so the parts add up to the samples. Pure: the probe that takes
 * the profile is `paired-cpu.ts --profile`.
 */

export interface Part {
	name: string;
	/** What the part holds, for the printed table. */
	about: string;
	/** Whether a sample's stack (leaf first, frames as `perf script` names them) belongs to it. */
	holds: (frames: readonly string[]) => boolean;
}

const has = (frames: readonly string[], pattern: RegExp) => frames.some((frame) => pattern.test(frame));
const inHandler = (frames: readonly string[]) => has(frames, /^JS:.*webSocketMessage/);

/** The parts, in the order a sample is tried against them. */
export const PARTS: readonly Part[] = [
	{
		name: "sends",
		about: "`send()` called from the frame's handler: the runtime's side of each send",
		holds: (frames) => inHandler(frames) && has(frames, /LegacyWebSocketAdapter::send\b/),
	},
	{
		name: "handler",
		about:
			"the rest of the frame's handler: its JavaScript and what it calls but sends (parsing, SQLite, the attachment)",
		holds: inHandler,
	},
	{
		name: "pumping",
		about: "the runtime moving sent frames to their sockets, outside JavaScript",
		holds: (frames) => has(frames, /LegacyWebSocketAdapter::(pump|ensurePumping)/),
	},
	{
		name: "gc",
		about: "V8's garbage collector outside the handler",
		holds: (frames) => has(frames, /Heap::CollectGarbage|Scavenge|MarkCompact|ConcurrentMarking|cppgc::/),
	},
	{
		name: "network",
		about: "socket writes and reads (hyper, tokio)",
		holds: (frames) => has(frames, /hyper/),
	},
	{
		name: "isolate",
		about: "anything else run in the isolate's lock (event dispatch, promise continuations)",
		holds: (frames) => has(frames, /IoContext::runImpl/),
	},
	{ name: "rest", about: "the event loop, the scheduler, the kernel", holds: () => true },
];

/** The stacks of a `perf script` text: one array of frame names (leaf first) per sample. */
export function samplesOf(script: string): string[][] {
	const samples: string[][] = [];
	let frames: string[] = [];
	for (const line of script.split("\n")) {
		if (line.trim() === "") {
			if (frames.length > 0) samples.push(frames);
			frames = [];
		} else if (/^\s/.test(line)) {
			// "\t    41e6490 symbol+0x10 (dso)": the address, then the name
			const name = line.trim().replace(/^[0-9a-f]+\s+/, "");
			frames.push(name.replace(/\s+\([^()]*\)$/, ""));
		}
	}
	if (frames.length > 0) samples.push(frames);
	return samples;
}

/** Samples per part, every part named (0 when none). */
export function splitProfile(script: string, parts: readonly Part[] = PARTS): Map<string, number> {
	const counts = new Map(parts.map((part) => [part.name, 0]));
	for (const frames of samplesOf(script)) {
		const part = parts.find((candidate) => candidate.holds(frames));
		if (part) counts.set(part.name, (counts.get(part.name) ?? 0) + 1);
	}
	return counts;
}
