/**
 * Starts the two probe sessions (wrangler-a.toml, wrangler-b.toml) with a dev registry of their
 * own beside FILE (default /tmp/sharding-probe/sessions.json): the default one is shared by every
 * `wrangler dev` of this user, and while one session holds a name, another of the same name cannot
 * register it. Writes where they are to FILE, prints their PROBE_ lines, and runs until SIGTERM
 * (sent to its process group when started through npx: `setsid npx node … &`, `kill -- -PGID`).
 *
 *   npx node bench/probes/sharding/start.ts [FILE] [--one]   (--one: session a only)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type RunningServer, startServer } from "../../servers/launch.ts";

const here = dirname(fileURLToPath(import.meta.url));
const file = process.argv.slice(2).find((a) => !a.startsWith("--")) ?? "/tmp/sharding-probe/sessions.json";
const one = process.argv.includes("--one");
mkdirSync(dirname(file), { recursive: true });
const registry = join(dirname(file), "registry");
process.env.WRANGLER_REGISTRY_PATH = registry;
process.env.CLOUDFLARE_DEV_REGISTRY_PATH = registry;

const names = one ? ["a"] : ["a", "b"];
const sessions: RunningServer[] = [];
for (const s of names) {
	const server = await startServer(`probe-${s}`, { type: "wrangler", config: join(here, `wrangler-${s}.toml`) });
	sessions.push(server);
	console.error(`probe-${s}: ${server.origin} (proxy ${server.proxyOrigin}) workerd ${server.workPids().join(",")}`);
}
writeFileSync(
	file,
	JSON.stringify(
		sessions.map((s) => ({ name: s.name, origin: s.origin, proxyOrigin: s.proxyOrigin, pids: s.workPids() })),
		null,
		1,
	),
);
const printed = sessions.map(() => 0);
setInterval(() => {
	sessions.forEach((s, i) => {
		const lines = s.output().split("\n");
		const probeLines = lines.filter((l) => l.includes("PROBE_") || /error|warn/i.test(l));
		for (const l of probeLines.slice(printed[i])) console.log(`${new Date().toISOString()} ${s.name} ${l}`);
		printed[i] = probeLines.length;
	});
}, 200);
const stop = async () => {
	await Promise.all(sessions.map((s) => s.stop()));
	process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
