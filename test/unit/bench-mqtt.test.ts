/**
 * Bench (i)'s report: rates are deliveries per server CPU second pooled over the saturated steps
 * of the rounds that ran both rooms, and the idle CPU per ping is taken less the quiet rate. And
 * the broker's config listens on loopback only, beside a plain listener that 2.0.11 needs.
 */
import { describe, expect, it } from "vitest";
import {
	type FanoutRecord,
	type MqttIdleResult,
	type MqttVariant,
	mqttSummary,
	type RoundRecord,
	type StepRecord,
} from "../../bench/load/mqtt-rates";
import { mosquittoConfig } from "../../bench/servers/mosquitto-config";

function step(kind: StepRecord["kind"], delivered: number, serverCpuSeconds: number, duplicated = 0): StepRecord {
	return { kind, delivered, serverCpuSeconds, duplicated };
}

function fanout(variant: MqttVariant, qos: 0 | 1, steps: StepRecord[], missing = 0): FanoutRecord {
	return { variant, qos, throughput: { steps }, missing };
}

function idle(kind: MqttIdleResult["kind"], pings: number, cpuSeconds: number, wakes = 0): MqttIdleResult {
	return {
		kind,
		keepalive: kind === "quiet" ? 0 : 2,
		sessions: 10,
		seconds: 10,
		pings,
		answers: pings,
		wakes,
		byEntryPoint: {},
		cpuSeconds,
		cpuUsPerPing: kind === "quiet" ? null : ((cpuSeconds - 0.01) * 1e6) / pings,
	};
}

describe("mqttSummary", () => {
	it("divides deliveries per server CPU second, pooled over saturated steps, leaving warm-ups and fixed steps out", () => {
		const round: RoundRecord = {
			fanout: [
				// 30,000 in 1.5 CPU s (20,000/s); the fixed step would lower it
				fanout("ours-mqttjs", 0, [step("saturated", 10_000, 0.5), step("saturated", 20_000, 1), step("fixed", 10, 1)]),
				fanout("json", 0, [step("saturated", 25_000, 1)]),
				fanout("mosquitto-mqttjs", 0, [step("saturated", 100_000, 1)]),
				// 2 duplicated in a step, 1 never came: 3 lost or duplicated
				fanout("ours-mqttjs", 1, [step("saturated", 9_000, 1, 2)], 1),
				fanout("json", 1, [step("saturated", 10_000, 1)]),
			],
			idle: [],
		};
		const summary = mqttSummary([round]);
		expect(summary.mqttThroughputVsJson).toBeCloseTo(0.8, 12);
		expect(summary.mqttThroughputVsMosquitto).toBeCloseTo(0.2, 12);
		expect(summary.mqttQos1ThroughputVsJson).toBeCloseTo(0.9, 12);
		// no mosquitto at QoS 1, no whole-frame room: no ratio rather than a wrong one
		expect(summary.mqttQos1ThroughputVsMosquitto).toBeNull();
		expect(summary.mqttWholeFramesQos1ThroughputVsJson).toBeNull();
		expect(summary.mqttLost).toBe(3);
	});

	it("pairs rounds: a round without the other room does not weigh on one side", () => {
		const rounds: RoundRecord[] = [
			{
				fanout: [
					fanout("ours-mqttjs", 0, [step("saturated", 10_000, 1)]),
					fanout("json", 0, [step("saturated", 10_000, 1)]),
				],
				idle: [],
			},
			{ fanout: [fanout("ours-mqttjs", 0, [step("saturated", 1_000, 1)])], idle: [] },
		];
		expect(mqttSummary(rounds).mqttThroughputVsJson).toBeCloseTo(1, 12);
	});

	it("gives the idle CPU per ping less the quiet rate, and wakes per PINGREQ", () => {
		const round: RoundRecord = {
			fanout: [],
			idle: [idle("quiet", 0, 0.01), idle("json", 500, 0.011), idle("mqtt", 500, 0.06, 500)],
		};
		const summary = mqttSummary([round]);
		expect(summary.mqttIdleCpuUsPerPingreq).toBeCloseTo(100, 9);
		expect(summary.jsonIdleCpuUsPerPing).toBeCloseTo(2, 9);
		expect(summary.mqttIdleWakesPerPingreq).toBe(1);
		expect(summary.jsonIdleWakes).toBe(0);
	});

	it("is all null when (i) did not run", () => {
		for (const value of Object.values(mqttSummary(undefined))) expect(value).toBeNull();
	});
});

describe("mosquittoConfig", () => {
	it("listens on loopback only: WebSockets on one port, plain MQTT on the other", () => {
		const lines = mosquittoConfig("127.0.0.1", 18830, 18831).split("\n");
		expect(lines).toContain("listener 18830 127.0.0.1");
		expect(lines).toContain("listener 18831 127.0.0.1");
		expect(lines[lines.indexOf("listener 18830 127.0.0.1") + 1]).toBe("protocol websockets");
		// without it 2.0.11's WebSocket listener binds every interface
		expect(lines.filter((line) => line === "socket_domain ipv4")).toHaveLength(2);
		expect(lines).toContain("persistence false");
	});
});
