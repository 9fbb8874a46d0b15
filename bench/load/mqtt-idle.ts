/**
 * Bench (i)'s idle part, on ours, modelled on (d) (idle.ts), in windows of `mqttIdleSeconds`:
 *
 * - `quiet`: nothing connected: the workerd's own CPU rate, taken out of the others;
 * - `json`: `mqttIdleSessions` protocol sockets, each sending the text `ping` every first keep
 *   alive on its own phase: the runtime answers it without running the room (0 wakes expected);
 * - `mqtt` at each of `mqttIdleKeepAlives`: as many clean MQTT.js sessions subscribed to
 *   `messages` at QoS 0 whose CONNECTs are spread over one keep alive, so that their PINGREQs
 *   are too. A PINGREQ is binary: each one runs the room's code.
 *
 * Rooms are named `idle-*`, so the bench entry's `BENCH_WAKE` lines count every time the room's
 * code ran. Reported per window: pings sent, answers, wakes by entry point, and the workerd's CPU
 * less the quiet rate over the window, per ping.
 */

import { inBatches } from "../../scripts/resuming-client/many-sockets.ts";
import type { RunningServer } from "../servers/launch.ts";
import { sleep } from "../servers/launch.ts";
import { closeAll, openMany, type Sink, type Target } from "./clients.ts";
import { type MqttSession, openMqtt } from "./mqtt-clients.ts";
import type { MqttIdleResult } from "./mqtt-rates.ts";
import { cpuSecondsBetween, threadTimes } from "./proc-times.ts";
import type { Settings } from "./settings.ts";

/**
 * After sockets close or open, before the next window, at most (half a window in the smoke run):
 * their leaves (ours runs (i) with no leave grace, mqtt.ts) and last frames are done by then.
 */
const SETTLE_MS = 2000;

/** Idle sockets report nothing worth counting, but errors, and closes before the bench closes them. */
function idleSink(errors: string[], state: { closing: boolean }): Sink {
	const note = (text: string) => {
		if (errors.length < 20) errors.push(text);
	};
	return {
		delivery: () => {},
		error: (_receiver, text) => note(text),
		closed: (receiver, code) => {
			if (!state.closing) note(`socket ${receiver} closed ${code}`);
		},
	};
}

/** Runs `during` for the window and reads the workerd's CPU and the room's wakes around it. */
async function measure(
	server: RunningServer,
	room: string,
	seconds: number,
	during: () => Promise<{ pings: number; answers: number }>,
) {
	const wakesBefore = server.wakeLines().length;
	const before = threadTimes(server.workPids());
	const { pings, answers } = await during();
	const cpuSeconds = cpuSecondsBetween(before, threadTimes(server.workPids()));
	await sleep(500); // the log lines of the window's last moment
	const lines = server
		.wakeLines()
		.slice(wakesBefore)
		.filter((line) => line.split(" ")[1] === room);
	const byEntryPoint: Record<string, number> = {};
	for (const line of lines) {
		const entry = line.split(" ")[2] ?? "?";
		byEntryPoint[entry] = (byEntryPoint[entry] ?? 0) + 1;
	}
	return { seconds, pings, answers, wakes: lines.length, byEntryPoint, cpuSeconds };
}

export async function runMqttIdle(
	server: RunningServer,
	target: Target,
	settings: Settings,
	round: number,
	log: (line: string) => void,
	results: MqttIdleResult[],
): Promise<void> {
	const seconds = settings.mqttIdleSeconds;
	const windowMs = seconds * 1000;
	const settleMs = Math.min(SETTLE_MS, windowMs / 2);
	const sessions = settings.mqttIdleSessions;
	const errors: string[] = [];
	const state = { closing: false };
	const perPing = (cpuSeconds: number, pings: number) => {
		const quietRate = (results[0]?.cpuSeconds ?? 0) / seconds;
		return pings ? ((cpuSeconds - quietRate * seconds) * 1e6) / pings : null;
	};
	const report = (result: MqttIdleResult) => {
		results.push(result);
		log(
			`  (i) idle ${result.kind}${result.keepalive ? ` every ${result.keepalive} s` : ""}: ${result.sessions} sockets, ${result.pings} pings, ${result.answers} answers, ${result.wakes} wakes ${JSON.stringify(result.byEntryPoint)}, CPU ${(result.cpuSeconds * 1000).toFixed(1)} ms${result.cpuUsPerPing === null ? "" : ` (${result.cpuUsPerPing.toFixed(1)} µs per ping less quiet)`}`,
		);
	};

	await sleep(settleMs);
	const quiet = await measure(server, "", seconds, async () => {
		await sleep(windowMs);
		return { pings: 0, answers: 0 };
	});
	report({ kind: "quiet", keepalive: 0, sessions: 0, ...quiet, cpuUsPerPing: null });

	const first = settings.mqttIdleKeepAlives[0] as number;
	const jsonRoom = `idle-json-${round}`;
	const conns = await openMany(
		target,
		jsonRoom,
		{ firstIndex: 0, count: sessions, concurrency: settings.connectConcurrency, presence: "count" },
		idleSink(errors, state),
	);
	await sleep(settleMs);
	const json = await measure(server, jsonRoom, seconds, async () => {
		const pongs = conns.reduce((sum, c) => sum + c.pongs, 0);
		let pings = 0;
		const timers = conns.flatMap((conn, i) => {
			const timers: NodeJS.Timeout[] = [];
			for (let at = (i / conns.length) * first * 1000; at < windowMs; at += first * 1000) {
				timers.push(
					setTimeout(() => {
						conn.ping();
						pings++;
					}, at),
				);
			}
			return timers;
		});
		await sleep(windowMs);
		for (const timer of timers) clearTimeout(timer);
		return { pings, answers: conns.reduce((sum, c) => sum + c.pongs, 0) - pongs };
	});
	report({ kind: "json", keepalive: first, sessions, ...json, cpuUsPerPing: perPing(json.cpuSeconds, json.pings) });
	state.closing = true;
	await closeAll(conns);
	await sleep(settleMs);

	for (const keepalive of settings.mqttIdleKeepAlives) {
		const room = `idle-mqtt-${round}-${keepalive}`;
		const url = `${server.wsOrigin}/rooms/${room}/mqtt`;
		// CONNECTs spread over one keep alive: MQTT.js pings a keep alive after its CONNACK
		state.closing = false;
		const opened: MqttSession[] = await Promise.all(
			Array.from({ length: sessions }, async (_, i) => {
				await sleep((i / sessions) * keepalive * 1000);
				const session = await openMqtt(
					{ kind: "mqttjs", url, index: i, userName: `idle${i}`, keepalive },
					idleSink(errors, state),
				);
				await session.subscribe("messages", 0);
				return session;
			}),
		);
		await sleep(500);
		const count = (get: (s: MqttSession) => number) => opened.reduce((sum, s) => sum + get(s), 0);
		const mqtt = await measure(server, room, seconds, async () => {
			const pings = count((s) => s.pingreqs);
			const answers = count((s) => s.pingresps);
			await sleep(windowMs);
			return { pings: count((s) => s.pingreqs) - pings, answers: count((s) => s.pingresps) - answers };
		});
		report({ kind: "mqtt", keepalive, sessions, ...mqtt, cpuUsPerPing: perPing(mqtt.cpuSeconds, mqtt.pings) });
		state.closing = true;
		await inBatches(opened, 100, (session) => session.close());
		await sleep(settleMs);
	}
	if (errors.length) log(`  (i) idle: ${errors.length} errors or closes, first: ${errors[0]}`);
}
