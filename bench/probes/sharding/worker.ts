/**
 * Probe: one Durable Object class run by two `wrangler dev` sessions (probe-a, probe-b) bound to
 * each other's class through the dev registry. LOCAL is the session's own namespace, REMOTE the
 * other session's. Routes:
 *   GET /health
 *   /do/NS/NAME/ws             upgrade forwarded by the Worker straight to the object
 *   /via/NS/NAME/ws?ns=&to=    upgrade sent to object NAME, which returns object `to`'s 101 Response
 *   /place/NS/NAME/ws?shard=NS RPC to object NAME picks a shard (NAME~1 in `shard`), the Worker forwards to it
 *   /rpc/NS/NAME/METHOD?args=JSON
 */
import { DurableObject } from "cloudflare:workers";

type Ns = "LOCAL" | "REMOTE";
interface Env {
	LOCAL: DurableObjectNamespace<Obj>;
	REMOTE: DurableObjectNamespace<Obj>;
	SELF_NAME: string;
}

let constructed = 0;

function stub(env: Env, ns: Ns, name: string): DurableObjectStub<Obj> {
	const namespace = env[ns];
	return namespace.get(namespace.idFromName(name));
}

/** k JSON messages of about 100 bytes each. */
function batchOf(k: number): string[] {
	return Array.from({ length: k }, (_, i) =>
		JSON.stringify({ seq: i, userId: "user-0001", clientMessageId: `m-${i}`, data: { text: "x".repeat(30) } }),
	);
}

export class Obj extends DurableObject<Env> {
	readonly instance: string;
	calls = 0;
	received = 0;
	pending: Promise<unknown>[] = [];

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.instance = `${env.SELF_NAME}#${++constructed}`;
		ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
		console.log(`PROBE_CTOR ${this.instance} name=${ctx.id.name} id=${ctx.id.toString().slice(0, 12)}`);
	}

	whoami() {
		this.calls++;
		return {
			script: this.env.SELF_NAME,
			instance: this.instance,
			name: this.ctx.id.name ?? null,
			id: this.ctx.id.toString(),
			calls: this.calls,
		};
	}

	/** CPU work: n iterations. (Date.now does not move during synchronous code in workerd.) */
	spin(n: number) {
		let x = 0;
		for (let i = 0; i < n; i++) x += Math.sqrt(i);
		return { script: this.env.SELF_NAME, x };
	}

	receive(batch: string[]) {
		this.received += batch.length;
		return batch.length;
	}

	/** A timer armed from an RPC, in an object without sockets. */
	arm(ms: number) {
		setTimeout(() => console.log(`PROBE_TIMER ${this.instance} fired after ${ms}`), ms);
		return this.instance;
	}

	async sleep(ms: number) {
		await new Promise((done) => setTimeout(done, ms));
		return this.instance;
	}

	/** n rounds; in each, one call carrying k messages to each of S targets, in sequence or in parallel. */
	async fanout(o: { ns: Ns; prefix: string; S: number; k: number; n: number; mode: "seq" | "par" }) {
		const targets = Array.from({ length: o.S }, (_, s) => stub(this.env, o.ns, `${o.prefix}~${s}`));
		const batch = batchOf(o.k);
		const started = Date.now();
		for (let round = 0; round < o.n; round++) {
			if (o.mode === "seq") for (const t of targets) await t.receive(batch);
			else await Promise.all(targets.map((t) => t.receive(batch)));
		}
		return { calls: o.n * o.S, ms: Date.now() - started, script: this.env.SELF_NAME };
	}

	/** The first shard with room: here always ROOM~1, in the namespace the caller names. */
	place(room: string, ns: Ns) {
		this.calls++;
		return { ns, name: `${room}~1` };
	}

	override async fetch(request: Request): Promise<Response> {
		this.calls++;
		const url = new URL(request.url);
		const to = url.searchParams.get("to");
		if (to) {
			const ns = (url.searchParams.get("ns") ?? "LOCAL") as Ns;
			const forwarded = new URL(request.url);
			forwarded.search = "";
			return stub(this.env, ns, to).fetch(new Request(forwarded, request));
		}
		if (request.headers.get("Upgrade") !== "websocket") return Response.json(this.whoami());
		const pair = new WebSocketPair();
		this.ctx.acceptWebSocket(pair[1]);
		return new Response(null, { status: 101, webSocket: pair[0] });
	}

	override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
		this.calls++;
		const text = typeof message === "string" ? message : "binary";
		const [verb, arg = "", target = ""] = text.split(":");
		const ms = Number(arg);
		if (verb === "who") ws.send(JSON.stringify(this.whoami()));
		else if (verb === "echo") ws.send(text);
		else if (verb === "timer") {
			setTimeout(() => console.log(`PROBE_TIMER ${this.instance} fired after ${ms}`), ms);
			ws.send(`armed ${this.instance}`);
		} else if (verb === "rpc" || verb === "rpcwait" || verb === "rpclocal") {
			// An outgoing call that stays pending for ms (to `target`, in the other namespace but for rpclocal).
			const call = stub(this.env, verb === "rpclocal" ? "LOCAL" : "REMOTE", target || "sleeper")
				.sleep(ms)
				.then(() => console.log(`PROBE_RPC_DONE ${this.instance} after ${ms}`));
			if (verb === "rpcwait") this.ctx.waitUntil(call);
			else this.pending.push(call);
			ws.send(`armed ${this.instance}`);
		}
	}
}

export default {
	async fetch(request: Request, env: Env): Promise<Response> {
		const url = new URL(request.url);
		const [, route, ns, name, method] = url.pathname.split("/") as [string, string, Ns, string, string];
		if (route === "health") return Response.json({ ok: true, script: env.SELF_NAME });
		if (route === "do" || route === "via") return stub(env, ns, name).fetch(request);
		if (route === "place") {
			const placed = await stub(env, ns, name).place(name, (url.searchParams.get("shard") ?? "LOCAL") as Ns);
			return stub(env, placed.ns, placed.name).fetch(request);
		}
		if (route === "rpc") {
			const args = JSON.parse(url.searchParams.get("args") ?? "[]") as unknown[];
			try {
				// biome-ignore lint/suspicious/noExplicitAny: a probe calls any method by name
				const result = await (stub(env, ns, name) as any)[method](...args);
				return Response.json(result);
			} catch (error) {
				return new Response(String(error), { status: 500 });
			}
		}
		return new Response("not found", { status: 404 });
	},
};
