/**
 * A shard's batched reports of its connections' changes: each change reaches the root once, in
 * order, with a run of one connection's updates merged into one (and every request answered),
 * within the batch's time and cap, one call at a time.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ConnectionReport, PresenceReports, type ReportBatch } from "../../src/room/shards/presence-reports";

const OPTIONS = { batchMs: 50, replyMs: 10, maxReports: 3, retryMs: 100 };
type Report = ConnectionReport<string>;

const opened = (connectionId: string): Report => ({ kind: "opened", connectionId });
const closed = (connectionId: string): Report => ({ kind: "closed", connectionId, reason: "close" });
const registered = (connectionId: string, reply: string): Report => ({
	kind: "registered",
	connectionId,
	request: { userId: "ann" },
	reply,
});
const updated = (connectionId: string, reply: string, fields: { name?: string; meta?: object }): Report =>
	({ kind: "updated", connectionId, replies: [reply], ...fields }) as Report;

function reportsOf(options = OPTIONS) {
	return new PresenceReports<string>({ ...options });
}

describe("PresenceReports", () => {
	it("keeps a connection opened, registered and closed within one batch, in order", () => {
		const reports = reportsOf({ ...OPTIONS, maxReports: 10 });
		for (const report of [opened("a"), registered("a", "r1"), closed("a")]) reports.add(report, 0);
		expect(reports.take(10)?.reports.map((r) => r.kind)).toEqual(["opened", "registered", "closed"]);
	});

	it("merges a run of one connection's updates, last fields winning, every request kept for its reply", () => {
		const reports = reportsOf({ ...OPTIONS, maxReports: 10 });
		reports.add(updated("a", "u1", { name: "Ann", meta: { x: 1 } }), 0);
		reports.add(updated("b", "v1", { name: "Bob" }), 1);
		reports.add(updated("a", "u2", { meta: { x: 2 } }), 2);
		reports.add(updated("a", "u3", { meta: { x: 3 } }), 3);
		expect(reports.size).toBe(2);
		expect(reports.take(100)?.reports).toEqual([
			{ kind: "updated", connectionId: "b", replies: ["v1"], name: "Bob" },
			{ kind: "updated", connectionId: "a", replies: ["u1", "u2", "u3"], name: "Ann", meta: { x: 3 } },
		]);
	});

	it("does not merge updates across another change of the same connection", () => {
		const reports = reportsOf({ ...OPTIONS, maxReports: 10 });
		reports.add(updated("a", "u1", { name: "A1" }), 0);
		reports.add(registered("a", "r1"), 0);
		reports.add(updated("a", "u2", { name: "A2" }), 0);
		expect(reports.take(100)?.reports.map((r) => r.kind)).toEqual(["updated", "registered", "updated"]);
	});

	it("goes after batchMs, or replyMs when a client waits for the answer", () => {
		const reports = reportsOf();
		reports.add(opened("a"), 100);
		expect(reports.wakeAt()).toBe(150);
		expect(reports.take(149)).toBeUndefined();
		reports.add(registered("a", "r1"), 120);
		expect(reports.wakeAt()).toBe(130);
		expect(reports.take(130)?.reports).toHaveLength(2);
		expect(reports.wakeAt()).toBeUndefined();
	});

	it("sends at most maxReports a call, one call at a time; what is left goes when the call is answered", () => {
		const reports = reportsOf();
		for (const id of ["a", "b"]) reports.add(opened(id), 0);
		expect(reports.wakeAt()).toBe(50);
		reports.add(opened("c"), 0);
		expect(reports.wakeAt()).toBe(0);
		reports.add(opened("d"), 0);
		const first = reports.take(0) as ReportBatch<string>;
		expect(first.reports).toHaveLength(3);
		reports.add(opened("e"), 5);
		expect([reports.wakeAt(), reports.take(60)]).toEqual([undefined, undefined]);
		reports.answered(first, 5);
		expect(reports.wakeAt()).toBe(50);
		expect(reports.take(60)).toEqual({ number: 2, reports: [opened("d"), opened("e")] });
	});

	it("sends a failed batch again with its number after retryMs, before anything newer", () => {
		const reports = reportsOf();
		reports.add(opened("a"), 0);
		const first = reports.take(50) as ReportBatch<string>;
		reports.add(opened("b"), 60);
		reports.failed(first, 70);
		expect(reports.wakeAt()).toBe(170);
		expect(reports.take(170)).toBe(first);
		reports.answered(first, 170);
		expect(reports.take(170)).toEqual({ number: 2, reports: [opened("b")] });
	});

	it("sends what the root did not apply (its answer was full) at once, as the next number, before anything newer", () => {
		const reports = reportsOf();
		for (const id of ["a", "b", "c"]) reports.add(opened(id), 0);
		const first = reports.take(0) as ReportBatch<string>;
		reports.add(opened("d"), 5);
		reports.answered(first, 10, 1);
		expect(reports.wakeAt()).toBe(10);
		expect(reports.take(10)).toEqual({ number: 2, reports: [opened("b"), opened("c")] });
		reports.answered({ number: 2, reports: [] }, 20);
		expect(reports.take(60)).toEqual({ number: 3, reports: [opened("d")] });
	});
});

const reportArbitrary: fc.Arbitrary<Report> = fc.oneof(
	fc.record({ kind: fc.constant("opened" as const), connectionId: fc.constantFrom("a", "b", "c") }),
	fc.record({
		kind: fc.constant("registered" as const),
		connectionId: fc.constantFrom("a", "b", "c"),
		request: fc.constant({}),
		reply: fc.constant(""),
	}),
	fc.record(
		{
			kind: fc.constant("updated" as const),
			connectionId: fc.constantFrom("a", "b", "c"),
			name: fc.constantFrom("n1", "n2", "n3"),
			meta: fc.constantFrom({ m: 1 }, { m: 2 }),
			replies: fc.constant([] as string[]),
		},
		{ requiredKeys: ["kind", "connectionId", "replies"] },
	),
	fc.record({
		kind: fc.constant("closed" as const),
		connectionId: fc.constantFrom("a", "b", "c"),
		reason: fc.constant("close" as const),
	}),
);

type Step = { add: Report } | { wait: number } | { answer: "ok" | "part" | "fail" };
const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
	{ weight: 5, arbitrary: fc.record({ add: reportArbitrary }) },
	{ weight: 2, arbitrary: fc.record({ wait: fc.integer({ min: 0, max: 80 }) }) },
	{
		weight: 2,
		arbitrary: fc.record({ answer: fc.constantFrom("ok" as const, "ok" as const, "part" as const, "fail" as const) }),
	},
);

/** What the root sees of each connection: at each change but an update, the connection's name and meta then. */
function traceOf(reports: readonly Report[]): Map<string, string[]> {
	const fields = new Map<string, { name?: string; meta?: object }>();
	const trace = new Map<string, string[]>();
	for (const report of reports) {
		const now = fields.get(report.connectionId) ?? {};
		if (report.kind === "updated") {
			fields.set(report.connectionId, { name: report.name ?? now.name, meta: report.meta ?? now.meta });
			continue;
		}
		const entries = trace.get(report.connectionId) ?? [];
		entries.push(`${report.kind} ${now.name} ${JSON.stringify(now.meta)}`);
		trace.set(report.connectionId, entries);
	}
	for (const [connectionId, now] of fields) {
		trace.set(connectionId, [...(trace.get(connectionId) ?? []), `end ${now.name} ${JSON.stringify(now.meta)}`]);
	}
	return trace;
}

describe("PresenceReports under any timing and failures", () => {
	it("brings the root every change once and in order, merged updates showing the same states, each reply once", () => {
		fc.assert(
			fc.property(fc.integer({ min: 1, max: 5 }), fc.array(stepArbitrary, { maxLength: 100 }), (maxReports, steps) => {
				const reports = new PresenceReports<string>({ batchMs: 50, replyMs: 10, maxReports, retryMs: 30 });
				const added: Report[] = [];
				const applied: Report[] = [];
				let inFlight: ReportBatch<string> | undefined;
				let lastApplied = 0;
				// How many of each batch the root applied (a full answer stops it early; a resend gets the same).
				const appliedOf = new Map<number, number>();
				let now = 0;
				let replies = 0;
				const settle = (outcome: "ok" | "part" | "fail") => {
					if (!inFlight) return;
					expect(inFlight.reports.length).toBeLessThanOrEqual(maxReports);
					// The root applies a number once: a failed call it did apply is dropped when sent again.
					if (inFlight.number > lastApplied) {
						expect(inFlight.number).toBe(lastApplied + 1);
						const count = outcome === "part" ? Math.ceil(inFlight.reports.length / 2) : inFlight.reports.length;
						applied.push(...inFlight.reports.slice(0, count));
						appliedOf.set(inFlight.number, count);
						lastApplied = inFlight.number;
					}
					if (outcome === "fail") reports.failed(inFlight, now);
					else reports.answered(inFlight, now, appliedOf.get(inFlight.number));
					inFlight = undefined;
				};
				const send = () => {
					const batch = reports.take(now);
					if (batch) {
						expect(inFlight).toBeUndefined();
						inFlight = batch;
					}
				};
				for (const step of steps) {
					if ("add" in step) {
						const report = structuredClone(step.add);
						const reply = `q${replies++}`;
						if (report.kind === "updated") report.replies = [reply];
						else if (report.kind === "registered" || report.kind === "unregistered") report.reply = reply;
						added.push(report);
						reports.add(structuredClone(report), now);
					} else if ("wait" in step) now += step.wait;
					else settle(step.answer);
					send();
				}
				for (let round = 0; round < 200 && (inFlight || reports.wakeAt() !== undefined); round++) {
					settle("ok");
					now = Math.max(now, reports.wakeAt() ?? now);
					send();
				}
				expect(traceOf(applied)).toEqual(traceOf(added));
				const repliesOf = (list: Report[]) =>
					list.flatMap((r) => (r.kind === "updated" ? r.replies : r.kind === "registered" ? [r.reply] : []));
				expect(repliesOf(applied).sort()).toEqual(repliesOf(added).sort());
				expect(applied.filter((r) => r.kind !== "updated")).toEqual(added.filter((r) => r.kind !== "updated"));
			}),
			{ numRuns: 400 },
		);
	});
});
