/**
 * Keeps one socket's link honest: a `ping` every heartbeat, and "dead" when the server has been
 * silent past its timeout and a ping went unanswered, however open the browser says it is.
 *
 * Background tabs throttle timers: Chrome runs chained timers (timer nesting level 5 or more)
 * once a minute in a tab hidden for five minutes, Safari every 40 s. So each ping is scheduled
 * from the previous `pong`'s message event, which gives it a fresh nesting level (such timers
 * still run to the second), and death needs an unanswered ping, so a late check cannot mistake
 * its own lateness for silence.
 */

export interface LinkMonitorOptions {
	heartbeatMs: number;
	/** Silence after which the link may be dead (the server's timeout). */
	deadAfterMs: number;
	/** How often the link is looked at, at most. */
	checkMs: number;
	/** How long a ping may go unanswered before a silent link counts as dead. */
	probeGraceMs: number;
	now: () => number;
	/** Writes `ping`; only called while the socket is open. */
	ping: () => void;
	/** The link is dead: replace it. */
	dead: () => void;
}

export class LinkMonitor {
	readonly #options: LinkMonitorOptions;
	#deadAfterMs: number;
	#lastFrameAt = 0;
	#lastPingAt = 0;
	#checkTimer: ReturnType<typeof setInterval> | undefined;
	#pingTimer: ReturnType<typeof setTimeout> | undefined;
	#probeTimer: ReturnType<typeof setTimeout> | undefined;

	constructor(options: LinkMonitorOptions) {
		this.#options = options;
		this.#deadAfterMs = options.deadAfterMs;
	}

	/** The server announced its own timeout (`ConnectionEstablished`). */
	set deadAfterMs(ms: number) {
		this.#deadAfterMs = ms;
	}

	/** A socket opened. */
	start(): void {
		this.stop();
		const now = this.#options.now();
		this.#lastFrameAt = now;
		this.#lastPingAt = now;
		this.#checkTimer = setInterval(() => this.check(), Math.min(this.#options.checkMs, this.#options.heartbeatMs));
		this.#schedulePing();
	}

	/** The socket closed. */
	stop(): void {
		if (this.#checkTimer !== undefined) clearInterval(this.#checkTimer);
		if (this.#pingTimer !== undefined) clearTimeout(this.#pingTimer);
		if (this.#probeTimer !== undefined) clearTimeout(this.#probeTimer);
		this.#checkTimer = undefined;
		this.#pingTimer = undefined;
		this.#probeTimer = undefined;
	}

	/** Any frame arrived; a `pong` also schedules the next ping from this event. */
	heard(isPong: boolean): void {
		this.#lastFrameAt = this.#options.now();
		if (isPong) this.#schedulePing();
	}

	/** Looks at the link now: the check timer's tick, which a throttled tab may run late. */
	check(): void {
		if (this.#checkTimer === undefined) return;
		const now = this.#options.now();
		const silent = now - this.#lastFrameAt > this.#deadAfterMs;
		const probeUnanswered =
			this.#lastPingAt > this.#lastFrameAt && now - this.#lastPingAt >= this.#options.probeGraceMs;
		if (silent && probeUnanswered) {
			this.stop();
			this.#options.dead();
			return;
		}
		this.#pingIfDue();
	}

	/**
	 * The network may have changed under us (back online, back in the foreground): ping now, and
	 * if nothing at all comes back within the grace period, the link is dead.
	 */
	probe(): void {
		if (this.#checkTimer === undefined) return;
		const sentAt = this.#options.now();
		this.#lastPingAt = sentAt;
		this.#options.ping();
		if (this.#probeTimer !== undefined) clearTimeout(this.#probeTimer);
		this.#probeTimer = setTimeout(() => {
			this.#probeTimer = undefined;
			if (this.#checkTimer !== undefined && this.#lastFrameAt < sentAt) {
				this.stop();
				this.#options.dead();
			}
		}, this.#options.probeGraceMs);
	}

	#schedulePing(): void {
		if (this.#pingTimer !== undefined) clearTimeout(this.#pingTimer);
		const wait = Math.max(0, this.#lastPingAt + this.#options.heartbeatMs - this.#options.now());
		this.#pingTimer = setTimeout(() => {
			this.#pingTimer = undefined;
			this.#pingIfDue();
		}, wait);
	}

	#pingIfDue(): void {
		const now = this.#options.now();
		if (now - this.#lastPingAt < this.#options.heartbeatMs) return;
		this.#lastPingAt = now;
		this.#options.ping();
	}
}
