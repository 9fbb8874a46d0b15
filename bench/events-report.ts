/**
 * The events scenario's part of the report (load/events.ts): its `SUMMARY` keys and table rows.
 * CPU ratios are pooled over the fixed steps of every round (server CPU over deliveries, each
 * server with events over the one without); delays are over every `message.created` of a message
 * sent in a fixed step of any round; losses are totals.
 */
import type { EventsResult, EventsVariant } from "./load/events.ts";
import type { Settings } from "./load/settings.ts";
import { median, pooledRatio, ratio, Samples, summarize } from "./load/stats.ts";

function fixedCpuPerDelivery(results: readonly EventsResult[], variant: EventsVariant): number | null {
	const steps = results.filter((r) => r.variant === variant).flatMap((r) => r.throughput.steps);
	const fixed = steps.filter((s) => s.kind === "fixed");
	const perDelivery = pooledRatio(
		fixed,
		(s) => s.serverCpuSeconds,
		(s) => s.delivered,
	);
	return perDelivery === null ? null : perDelivery * 1e6;
}

function fixedDelays(results: readonly EventsResult[]) {
	const all = new Samples();
	for (const r of results) if (r.variant === "messages") all.add(r.fixedDelaySamples);
	return all.length ? summarize(all) : null;
}

const total = (results: readonly EventsResult[], get: (r: EventsResult) => number) =>
	results.length ? results.reduce((sum, r) => sum + get(r), 0) : null;

/** Per variant: CPU per delivery (pooled), saturated rate (median of rounds), events received. */
export function eventsMedians(name: string, results: EventsResult[] | undefined) {
	const all = name === "ours" ? (results ?? []) : [];
	const of = (variant: EventsVariant) => {
		const mine = all.filter((r) => r.variant === variant);
		return {
			rounds: mine.length,
			fixedCpuUsPerDelivery: fixedCpuPerDelivery(all, variant),
			perServerSecond: median(mine.map((r) => r.throughput.deliveredPerServerSecond)),
			fixedP99: median(mine.map((r) => r.throughput.fixedP99)),
			eventsReceived: median(mine.map((r) => r.received?.events)),
		};
	};
	const delays = fixedDelays(all);
	const saturated = all.filter((r) => r.variant === "messages" && r.saturatedDelayMs);
	const withMessages = all.filter((r) => r.variant === "messages");
	const fixedMessages = withMessages.reduce((sum, r) => sum + r.fixedMessages, 0);
	const off = of("off").fixedCpuUsPerDelivery;
	const on = of("messages").fixedCpuUsPerDelivery;
	const receivers = median(withMessages.map((r) => r.sockets - 1));
	return {
		off: of("off"),
		messages: of("messages"),
		noMessages: of("noMessages"),
		delayP50Ms: delays?.p50 ?? null,
		delayP99Ms: delays?.p99 ?? null,
		saturatedDelayP99Ms: median(saturated.map((r) => r.saturatedDelayMs?.p99)),
		/** What `message.created` adds per message at the fixed rate: the CPU per delivery's difference times the receivers. */
		extraCpuUsPerMessage: off !== null && on !== null && receivers !== null ? (on - off) * receivers : null,
		/** Webhook requests per message sent in the fixed steps (1: each message its own request). */
		fixedRequestsPerMessage: fixedMessages
			? withMessages.reduce((sum, r) => sum + r.fixedRequests, 0) / fixedMessages
			: null,
	};
}
export type EventsMedians = ReturnType<typeof eventsMedians>;

/** The events keys of `SUMMARY` (null when the scenario did not run). */
export function eventsSummary(results: EventsResult[] | undefined) {
	const all = results ?? [];
	const m = eventsMedians("ours", all);
	const withEvents = all.filter((r) => r.variant !== "off");
	return {
		eventsCpuOverhead: ratio(m.messages.fixedCpuUsPerDelivery, m.off.fixedCpuUsPerDelivery),
		eventsCpuOverheadNoMessages: ratio(m.noMessages.fixedCpuUsPerDelivery, m.off.fixedCpuUsPerDelivery),
		eventsDelayP50Ms: m.delayP50Ms,
		eventsDelayP99Ms: m.delayP99Ms,
		eventsDuplicated: total(withEvents, (r) => r.received?.duplicated ?? 0),
		eventsMissing: total(withEvents, (r) => (r.received?.missingSeqs ?? 0) + r.missingMessages),
	};
}

/** The table's rows for the events scenario, read from ours' `EventsMedians`. */
export function eventsRows(settings: Settings) {
	const fixed = `${settings.fixedRate} msg/s`;
	const variants: [EventsVariant, string][] = [
		["off", "events off"],
		["messages", "every event, message.created on"],
		["noMessages", "events, message.created off"],
	];
	const row = (label: string, get: (m: EventsMedians) => number | null, digits: number) => ({
		label: `(events) ${label}`,
		get,
		digits,
	});
	return [
		...variants.flatMap(([variant, label]) => [
			row(
				`${label}, (c) at ${fixed}: server CPU µs per delivery`,
				(m) => (m[variant].rounds ? m[variant].fixedCpuUsPerDelivery : null),
				2,
			),
			row(
				`${label}, (c) saturated: deliveries per server second`,
				(m) => (m[variant].rounds ? m[variant].perServerSecond : null),
				0,
			),
		]),
		row(`message.created, sent at ${fixed} to the webhook's receipt: p50 ms`, (m) => m.delayP50Ms, 1),
		row(`message.created, sent at ${fixed} to the webhook's receipt: p99 ms`, (m) => m.delayP99Ms, 1),
		row("message.created, sent in saturated steps to the webhook's receipt: p99 ms", (m) => m.saturatedDelayP99Ms, 1),
		row(`message.created on, at ${fixed}: webhook requests per message`, (m) => m.fixedRequestsPerMessage, 2),
		row(
			`message.created on, at ${fixed}: server CPU µs per message more than events off`,
			(m) => m.extraCpuUsPerMessage,
			0,
		),
	];
}
