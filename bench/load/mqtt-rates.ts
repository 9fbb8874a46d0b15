/**
 * Bench (i)'s figures from its results, pure (and free of imports, so that unit tests can load
 * it). Rates are deliveries per server CPU second: the server's CPU (workerd's threads,
 * mosquitto's) over every saturated step of a room, pooled over rounds. One Node load generator
 * on a shared machine does not saturate mosquitto, so a rate per server second would be the load
 * generator's; per CPU second it is the server's cost, whoever the bottleneck. A ratio pools the
 * steps of the rounds that ran both rooms, side by side in turns.
 */

export type MqttClientKind = "mqttjs" | "whole";
export type MqttBroker = "ours" | "mosquitto";
export type MqttVariant = "json" | `${MqttBroker}-${MqttClientKind}`;
export type Qos = 0 | 1;

/** What the figures read of a throughput step (throughput.ts' `StepResult` has it all). */
export interface StepRecord {
	kind: "fixed" | "saturated";
	delivered: number;
	serverCpuSeconds: number;
	duplicated: number;
}

export interface FanoutRecord {
	variant: MqttVariant;
	qos: Qos;
	throughput: { steps: StepRecord[] };
	/** Deliveries never made (not there after the pass's last wait). */
	missing: number;
}

/** One idle window (mqtt-idle.ts). */
export interface MqttIdleResult {
	kind: "quiet" | "json" | "mqtt";
	/** Seconds between a socket's pings (the MQTT keep alive); 0 for `quiet`. */
	keepalive: number;
	sessions: number;
	seconds: number;
	/** Text `ping`s or PINGREQs sent in the window, and their answers. */
	pings: number;
	answers: number;
	wakes: number;
	byEntryPoint: Record<string, number>;
	cpuSeconds: number;
	/** CPU less the quiet window's rate, per ping (µs); null for `quiet` or without pings. */
	cpuUsPerPing: number | null;
}

export interface RoundRecord {
	fanout: FanoutRecord[];
	idle: MqttIdleResult[];
}

const sum = <T>(items: readonly T[], get: (item: T) => number) => items.reduce((total, item) => total + get(item), 0);

/** a / b, or null when either is missing or b is 0. */
function divide(a: number | null, b: number | null): number | null {
	return a === null || b === null || b === 0 || !Number.isFinite(a) || !Number.isFinite(b) ? null : a / b;
}

export function saturatedSteps(rounds: readonly RoundRecord[], variant: MqttVariant, qos: Qos): StepRecord[] {
	return rounds.flatMap((r) =>
		r.fanout
			.filter((f) => f.variant === variant && f.qos === qos)
			.flatMap((f) => f.throughput.steps.filter((s) => s.kind === "saturated")),
	);
}

/** Deliveries over server CPU seconds, over every step given; null without CPU. */
export function perCpuSecond(steps: readonly StepRecord[]): number | null {
	return divide(
		sum(steps, (s) => s.delivered),
		sum(steps, (s) => s.serverCpuSeconds),
	);
}

/** `variant`'s deliveries per CPU second over `other`'s, over the rounds that ran both at `qos`. */
export function pairedRate(rounds: readonly RoundRecord[], variant: MqttVariant, other: MqttVariant, qos: Qos) {
	const both = rounds.filter((r) =>
		[variant, other].every((v) => r.fanout.some((f) => f.variant === v && f.qos === qos)),
	);
	if (!both.length) return null;
	return divide(perCpuSecond(saturatedSteps(both, variant, qos)), perCpuSecond(saturatedSteps(both, other, qos)));
}

/** The idle windows of one kind (and keep alive), and their CPU less the quiet rate per ping, pooled. */
export function idleCpuPerPing(rounds: readonly RoundRecord[], kind: MqttIdleResult["kind"], keepalive?: number) {
	const windows = rounds.flatMap((r) =>
		r.idle.filter((w) => w.kind === kind && (keepalive === undefined || w.keepalive === keepalive)),
	);
	const withPings = windows.filter((w) => w.cpuUsPerPing !== null && w.pings > 0);
	const us = withPings.length
		? divide(
				sum(withPings, (w) => (w.cpuUsPerPing as number) * w.pings),
				sum(withPings, (w) => w.pings),
			)
		: null;
	return { windows, us };
}

/** The `SUMMARY` keys (null where (i) or the compared room did not run). */
export function mqttSummary(results: readonly RoundRecord[] | undefined) {
	const rounds = results ?? [];
	const mqttIdle = idleCpuPerPing(rounds, "mqtt");
	const jsonIdle = idleCpuPerPing(rounds, "json");
	const ours = rounds.flatMap((r) => r.fanout.filter((f) => f.variant.startsWith("ours-")));
	return {
		mqttThroughputVsJson: pairedRate(rounds, "ours-mqttjs", "json", 0),
		mqttQos1ThroughputVsJson: pairedRate(rounds, "ours-mqttjs", "json", 1),
		mqttThroughputVsMosquitto: pairedRate(rounds, "ours-mqttjs", "mosquitto-mqttjs", 0),
		mqttQos1ThroughputVsMosquitto: pairedRate(rounds, "ours-mqttjs", "mosquitto-mqttjs", 1),
		mqttWholeFramesQos1ThroughputVsJson: pairedRate(rounds, "ours-whole", "json", 1),
		mqttLost: ours.length ? sum(ours, (f) => f.missing + sum(f.throughput.steps, (s) => s.duplicated)) : null,
		mqttIdleCpuUsPerPingreq: mqttIdle.us,
		mqttIdleWakesPerPingreq: divide(
			sum(mqttIdle.windows, (w) => w.wakes),
			sum(mqttIdle.windows, (w) => w.pings),
		),
		jsonIdleCpuUsPerPing: jsonIdle.us,
		jsonIdleWakes: jsonIdle.windows.length ? sum(jsonIdle.windows, (w) => w.wakes) : null,
	};
}
