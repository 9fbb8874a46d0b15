/**
 * The room's one alarm serves two purposes: the idle reaper's distant backstop while connections
 * remain, and the end of the earliest leave grace. Which time it should hold is decided here,
 * purely; `RoomAlarm` keeps storage in step with the decision.
 */

export interface AlarmNeeds {
	/** Whether the room holds connections (the backstop is needed). */
	live: boolean;
	/** When the earliest leave grace ends, if any. */
	graceDeadline: number | undefined;
	now: number;
	backstopMs: number;
}

/**
 * What to do with the alarm set at `current` (null: none): a time to set it to, "delete", or
 * undefined to leave it. An alarm earlier than needed is left: when it runs, the room plans again.
 */
export function planAlarm(current: number | null, needs: AlarmNeeds): number | "delete" | undefined {
	const { live, graceDeadline, now, backstopMs } = needs;
	if (!live && graceDeadline === undefined) return current === null ? undefined : "delete";
	if (current === null) {
		const backstop = live ? now + backstopMs : Number.POSITIVE_INFINITY;
		return Math.min(backstop, graceDeadline ?? Number.POSITIVE_INFINITY);
	}
	if (graceDeadline !== undefined && graceDeadline < current) return graceDeadline;
	return undefined;
}

/** The alarm in storage, with what this instance knows of it, so that most events ask nothing. */
export class RoomAlarm {
	readonly #storage: DurableObjectStorage;
	/** The alarm's time as this instance knows it; undefined until storage has been asked. */
	#at: number | null | undefined;

	constructor(storage: DurableObjectStorage) {
		this.#storage = storage;
	}

	/** The alarm has run, or was deleted with the room's storage: none is set until the room sets the next one. */
	ran(): void {
		this.#at = null;
	}

	async plan(needs: AlarmNeeds): Promise<void> {
		if (this.#at === undefined) this.#at = await this.#storage.getAlarm();
		const next = planAlarm(this.#at, needs);
		if (next === undefined) return;
		if (next === "delete") {
			this.#at = null;
			await this.#storage.deleteAlarm();
		} else {
			this.#at = next;
			await this.#storage.setAlarm(next);
		}
	}
}
