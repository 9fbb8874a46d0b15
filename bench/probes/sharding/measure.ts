/** Shared by the probe clients: the sessions start.ts wrote, and the CPU of each one's workerd processes. */
import { readdirSync, readFileSync } from "node:fs";
import WebSocket from "ws";
import { cpuSecondsBetween, threadTimes } from "../../load/proc-times.ts";

export interface Session {
	name: string;
	origin: string;
	proxyOrigin: string;
	/** the Worker's own workerd */
	pids: number[];
}

export const sessions: Session[] = JSON.parse(
	readFileSync(process.env.SESSIONS ?? "/tmp/sharding-probe/sessions.json", "utf8"),
);

function pgrpOf(pid: number): number {
	const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
	return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
}

/** Per session: its own workerd ("user") and the other workerd of its group (wrangler's proxy). */
export function processes(): Record<string, number[]> {
	const all = readdirSync("/proc")
		.filter((p) => /^\d+$/.test(p))
		.map(Number);
	const out: Record<string, number[]> = {};
	for (const s of sessions) {
		const user = s.pids[0] as number;
		const group = pgrpOf(user);
		const proxy = all.filter((p) => {
			try {
				return p !== user && readFileSync(`/proc/${p}/comm`, "utf8").trim() === "workerd" && pgrpOf(p) === group;
			} catch {
				return false;
			}
		});
		out[`${s.name}.user`] = [user];
		out[`${s.name}.proxy`] = proxy;
	}
	return out;
}

/** Runs `work` and returns the CPU seconds each process set spent meanwhile. */
export async function cpuDuring<T>(
	work: () => Promise<T>,
): Promise<{ result: T; cpu: Record<string, number>; wallS: number }> {
	const procs = processes();
	const before = Object.fromEntries(Object.entries(procs).map(([k, pids]) => [k, threadTimes(pids)]));
	const started = performance.now();
	const result = await work();
	const wallS = (performance.now() - started) / 1000;
	const cpu = Object.fromEntries(
		Object.entries(procs).map(([k, pids]) => [k, cpuSecondsBetween(before[k] as never, threadTimes(pids))]),
	);
	return { result, cpu, wallS };
}

export async function open(url: string): Promise<WebSocket> {
	const ws = new WebSocket(url);
	await new Promise((done, fail) => {
		ws.once("open", done);
		ws.once("error", fail);
		ws.once("unexpected-response", (_req, res) => fail(new Error(`HTTP ${res.statusCode}`)));
	});
	return ws;
}

export function next(ws: WebSocket, timeoutMs = 10_000): Promise<string> {
	return new Promise((done, fail) => {
		const timer = setTimeout(() => fail(new Error("timeout")), timeoutMs);
		ws.once("message", (data) => {
			clearTimeout(timer);
			done(String(data));
		});
	});
}

/** n echo round trips, one at a time. */
export async function echoes(ws: WebSocket, n: number): Promise<void> {
	for (let i = 0; i < n; i++) {
		const reply = next(ws);
		ws.send(`echo:${i}`);
		await reply;
	}
}

export function median(xs: number[]): number {
	const s = [...xs].sort((a, b) => a - b);
	const m = Math.floor(s.length / 2);
	return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export const fmt = (cpu: Record<string, number>, per = 1, unit = 1e6) =>
	Object.entries(cpu)
		.map(([k, v]) => `${k}=${((v / per) * unit).toFixed(1)}`)
		.join(" ");
