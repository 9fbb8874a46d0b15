/**
 * The probe's split of a workerd's perf samples: each sample counted once, in the first part its
 * stack belongs to, from the text `perf script` prints.
 */
import { describe, expect, it } from "vitest";
import { samplesOf, splitProfile } from "../../bench/probes/profile-split";

/** One sample as `perf script` prints it: a header line, then one frame a line, leaf first. */
const sample = (...frames: string[]) =>
	`workerd 123 9049.686979:     500250 cpu-clock:pppH:\n${frames
		.map((frame, i) => `\t    ${(0x41e6490 + i).toString(16)} ${frame} (/usr/bin/workerd)`)
		.join("\n")}\n`;

const SEND_IN_HANDLER = sample(
	"kj::WebSocketPipeImpl::send+0x20",
	"workerd::api::LegacyWebSocketAdapter::send+0x35f",
	"workerd::api::WebSocket::send+0x89",
	"JS:*'#deliver index.js:2301:11",
	"JS:^webSocketMessage index.js:2854:25",
	"workerd::IoContext::runImpl+0x1f3",
);
const PARSE_IN_HANDLER = sample(
	"v8::internal::JsonParser<unsigned char>::ParseJson",
	"JS:^parseClientFrame index.js:1043:26",
	"JS:^webSocketMessage index.js:2854:25",
	"workerd::IoContext::runImpl+0x1f3",
);
const PUMP = sample("tcmalloc::alloc_small", "workerd::api::LegacyWebSocketAdapter::pump+0xee0", "kj::_::waitImpl");
const SCAVENGE = sample("v8::internal::Scavenger::ScavengePage", "v8::internal::ScavengerJobTask::Run");
const KERNEL = sample("finish_task_switch.isra.0", "[unknown]");

describe("samplesOf", () => {
	it("reads one stack per sample, leaf first, names without addresses or libraries", () => {
		const samples = samplesOf(`${PARSE_IN_HANDLER}\n${KERNEL}\n`);
		expect(samples).toHaveLength(2);
		expect(samples[0]).toEqual([
			"v8::internal::JsonParser<unsigned char>::ParseJson",
			"JS:^parseClientFrame index.js:1043:26",
			"JS:^webSocketMessage index.js:2854:25",
			"workerd::IoContext::runImpl+0x1f3",
		]);
		expect(samples[1]).toEqual(["finish_task_switch.isra.0", "[unknown]"]);
	});
});

describe("splitProfile", () => {
	it("counts each sample once, in the first part it belongs to", () => {
		const text = [SEND_IN_HANDLER, SEND_IN_HANDLER, PARSE_IN_HANDLER, PUMP, SCAVENGE, KERNEL].join("\n");
		const split = splitProfile(text);
		expect(Object.fromEntries(split)).toEqual({
			sends: 2,
			handler: 1,
			pumping: 1,
			gc: 1,
			network: 0,
			isolate: 0,
			rest: 1,
		});
		expect([...split.values()].reduce((a, b) => a + b, 0)).toBe(6);
	});

	it("does not count a send outside a frame's handler (a presence flush) as the handler's", () => {
		const split = splitProfile(
			sample("workerd::api::LegacyWebSocketAdapter::send+0x35f", "JS:+'flush index.js:900:3", "IoContext::runImpl"),
		);
		expect(split.get("sends")).toBe(0);
		expect(split.get("isolate")).toBe(1);
	});
});
