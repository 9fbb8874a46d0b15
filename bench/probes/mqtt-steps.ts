/**
 * Ours' CPU per MQTT delivery, step by step, in one room of the bench's (i) shape:
 * `npx node bench/probes/mqtt-steps.ts [whole|mqttjs] [QOS,…] [STEPS] [SUBSCRIBERS]`, defaults
 * `whole`, `0,1`, 3 and 200. One server of ours (as (i) runs it), SUBSCRIBERS sessions and 10
 * publishers; for each QoS the subscribers subscribe at it, then STEPS one-second steps keep 3,000
 * deliveries outstanding, as (i)'s saturated steps do. Prints each step's deliveries, length and
 * workerd CPU per delivery: a figure that grows from step to step is a cost that grows with the
 * session, which the bench's pooled figure would hide.
 */
import { messagePayload } from "../load/clients.ts";
import { openManyMqtt } from "../load/mqtt-clients.ts";
import type { MqttClientKind } from "../load/mqtt-rates.ts";
import { cpuSecondsBetween, threadTimes } from "../load/proc-times.ts";
import { sleep, startServer } from "../servers/launch.ts";

const [kindArg = "whole", qosArg = "0,1", stepsArg = "3", subscribersArg = "200"] = process.argv.slice(2);
const kind = kindArg as MqttClientKind;
if (kind !== "whole" && kind !== "mqttjs") throw new Error(`the client is whole or mqttjs, not ${kindArg}`);
const passes = qosArg.split(",").map((q) => (q === "1" ? 1 : 0));
const steps = Number(stepsArg);
const subscribers = Number(subscribersArg);
const PUBLISHERS = 10;
const WINDOW = 3000;

const server = await startServer("ours-mqtt-steps", {
	type: "wrangler",
	config: "bench/servers/ours/wrangler.toml",
	vars: { LEAVE_GRACE_SECONDS: "0" },
});
const pids = server.workPids();
try {
	let delivered = 0;
	const sink = {
		delivery: () => {
			delivered++;
		},
		error: (index: number, text: string) => console.log(`session ${index}: ${text}`),
	};
	const url = `${server.wsOrigin}/rooms/mqtt-steps-${kind}/mqtt`;
	const common = { kind, url, keepalive: 60 };
	const subs = await openManyMqtt({ ...common, prefix: "s", firstIndex: 0, count: subscribers }, 20, sink);
	const pubs = await openManyMqtt({ ...common, prefix: "p", firstIndex: subscribers, count: PUBLISHERS }, 10, sink);
	for (const qos of passes) {
		for (const session of subs) await session.subscribe("messages", qos);
		await sleep(300);
		for (let step = 0; step < steps; step++) {
			delivered = 0;
			let sent = 0;
			const before = threadTimes(pids);
			const start = performance.now();
			while (performance.now() - start < 1000) {
				while (sent * subscribers - delivered < WINDOW) {
					pubs[sent % PUBLISHERS]?.publish("messages", qos, messagePayload(sent, performance.now()));
					sent++;
				}
				await sleep(1);
			}
			for (let i = 0; i < 200 && delivered < sent * subscribers; i++) await sleep(50);
			const cpu = cpuSecondsBetween(before, threadTimes(pids));
			console.log(
				`${kind} QoS ${qos} step ${step + 1}: ${delivered} of ${sent * subscribers} deliveries in ${(performance.now() - start).toFixed(0)} ms, ${((cpu * 1e6) / delivered).toFixed(1)} µs of workerd CPU each`,
			);
		}
	}
	for (const session of [...subs, ...pubs]) await session.close();
} finally {
	await server.stop();
}
