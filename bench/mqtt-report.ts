/**
 * Bench (i)'s tables (load/mqtt.ts, load/mqtt-idle.ts); its figures and `SUMMARY` keys are
 * load/mqtt-rates.ts'. Rates are deliveries per server CPU second (mqtt-rates.ts says why).
 */
import type { MqttRoundResult } from "./load/mqtt.ts";
import {
	idleCpuPerPing,
	type MqttIdleResult,
	type MqttVariant,
	pairedRate,
	perCpuSecond,
	type Qos,
	saturatedSteps,
} from "./load/mqtt-rates.ts";
import type { Settings } from "./load/settings.ts";
import { median } from "./load/stats.ts";

export { mqttSummary } from "./load/mqtt-rates.ts";

const VARIANTS: [MqttVariant, string][] = [
	["ours-mqttjs", "ours MQTT (MQTT.js)"],
	["ours-whole", "ours MQTT (whole frames)"],
	["json", "ours JSON"],
	["mosquitto-mqttjs", "mosquitto (MQTT.js)"],
	["mosquitto-whole", "mosquitto (whole frames)"],
];

const sum = <T>(items: readonly T[], get: (item: T) => number) => items.reduce((total, item) => total + get(item), 0);

function fmt(value: number | null | undefined, digits = 0): string {
	if (typeof value !== "number" || !Number.isFinite(value)) return "–";
	return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Bench (i)'s tables: the fan-out by room and QoS, then the idle windows; empty when (i) did not run. */
export function mqttTables(results: readonly MqttRoundResult[] | undefined, settings: Settings): string {
	const rounds = results ?? [];
	if (!rounds.some((r) => r.fanout.length || r.idle.length)) return "";
	const shown = VARIANTS.filter(([variant]) => rounds.some((r) => r.fanout.some((f) => f.variant === variant)));
	const head = [
		`(i) MQTT fan-out to ${settings.mqttSubscribers}, saturated`,
		...shown.map(([, label]) => label),
		"MQTT.js / JSON",
		"MQTT.js / mosquitto",
	];
	const lines = [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`];
	const byRound = (variant: MqttVariant, qos: Qos, get: (r: MqttRoundResult["fanout"][number]) => number) =>
		median(rounds.map((r) => r.fanout.find((f) => f.variant === variant && f.qos === qos)).map((f) => f && get(f)));
	for (const qos of [0, 1] as const) {
		const row = (label: string, cell: (variant: MqttVariant) => number | null, digits: number, ratios = false) => {
			const cells = [`QoS ${qos}: ${label}`, ...shown.map(([variant]) => fmt(cell(variant), digits))];
			if (ratios) {
				cells.push(fmt(pairedRate(rounds, "ours-mqttjs", "json", qos), 2));
				cells.push(fmt(pairedRate(rounds, "ours-mqttjs", "mosquitto-mqttjs", qos), 2));
			} else cells.push("", "");
			lines.push(`| ${cells.join(" | ")} |`);
		};
		row("deliveries per server CPU second", (v) => perCpuSecond(saturatedSteps(rounds, v, qos)), 0, true);
		row("deliveries per server second", (v) => byRound(v, qos, (f) => f.throughput.deliveredPerServerSecond), 0);
		row("deliveries/s (wall clock)", (v) => byRound(v, qos, (f) => f.throughput.deliveredPerSecond), 0);
		row("p99 ms", (v) => byRound(v, qos, (f) => f.throughput.saturatedP99), 1);
		row("server cores", (v) => byRound(v, qos, (f) => mean(f.throughput.steps, (s) => s.serverCpuCores)), 2);
		row("load generator cores", (v) => byRound(v, qos, (f) => mean(f.throughput.steps, (s) => s.clientCpuCores)), 2);
		row(
			"lost / duplicated",
			(v) => byRound(v, qos, (f) => f.missing + sum(f.throughput.steps, (s) => s.duplicated)),
			0,
		);
	}
	return [lines.join("\n"), idleTable(rounds, settings)].join("\n\n");
}

const mean = <T>(items: readonly T[], get: (item: T) => number) => (items.length ? sum(items, get) / items.length : 0);

function idleTable(rounds: readonly MqttRoundResult[], settings: Settings): string {
	const columns: [string, MqttIdleResult["kind"], number | undefined][] = [
		["nothing connected", "quiet", undefined],
		[`JSON, text ping every ${settings.mqttIdleKeepAlives[0]} s`, "json", undefined],
		...settings.mqttIdleKeepAlives.map((k): [string, MqttIdleResult["kind"], number] => [
			`MQTT, keep alive ${k} s`,
			"mqtt",
			k,
		]),
	];
	const head = [
		`(i) idle: ${settings.mqttIdleSessions} sockets, ${settings.mqttIdleSeconds} s windows, ours`,
		...columns.map(([label]) => label),
	];
	const lines = [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`];
	const cell = (kind: MqttIdleResult["kind"], keepalive: number | undefined, get: (w: MqttIdleResult) => number) =>
		median(idleCpuPerPing(rounds, kind, keepalive).windows.map(get));
	const row = (label: string, get: (w: MqttIdleResult) => number, digits: number) =>
		lines.push(`| ${[label, ...columns.map(([, kind, k]) => fmt(cell(kind, k, get), digits))].join(" | ")} |`);
	row("pings (PINGREQ or text) sent", (w) => w.pings, 0);
	row("answers (PINGRESP or pong)", (w) => w.answers, 0);
	row("room wake-ups (entry-point calls)", (w) => w.wakes, 0);
	row("workerd CPU ms", (w) => w.cpuSeconds * 1000, 1);
	lines.push(
		`| ${["workerd CPU µs per ping, less the quiet rate", ...columns.map(([, kind, k]) => (kind === "quiet" ? "–" : fmt(idleCpuPerPing(rounds, kind, k).us, 1)))].join(" | ")} |`,
	);
	return lines.join("\n");
}
