/**
 * The `row` floor in the presence-mode joins (join-modes.ts): ours' companion, the least a join
 * under the contract costs on this runtime (servers/floor: the `ConnectionEstablished` /
 * `Register` / `Registered` round trip and one SQLite row in the `Register`'s turn, nothing
 * parsed or checked). It is started whenever ours joins, whatever `--servers` names, and joins the
 * same N' as ours in ours' count turns: `countJoinVsFloor` pairs each count join of ours with the
 * floor's of the same round and place. Pure, so that a unit test checks the pairing.
 */

/** What the pairing reads of a server's `JoinModesResult` (join-modes.ts, not imported: this stays pure). */
export interface JoinTimes {
	server: string;
	round: number;
	/** The time (ms) of every join of each mode in the round, null for one that failed. */
	repeatsMs: { batched: (number | null)[]; count: (number | null)[] };
}

export const FLOOR = "floor";
/** The floor server's behaviour is chosen by its room's name: `row-*` writes the roster row. */
export const FLOOR_ROOM_PREFIX = "row-";

/** The servers of a join round: `names`, with the floor right after ours when ours is there. */
export function joinRoundServers(names: readonly string[]): string[] {
	const list = names.filter((name) => name !== FLOOR);
	const at = list.indexOf("ours");
	if (at >= 0) list.splice(at + 1, 0, FLOOR);
	return list;
}

/**
 * Ours' time and `other`'s for every join of `mode` both finished, each of ours with the other's
 * of the same round and place (the i-th join of the round, run just before or after it): a join
 * one of them did not finish leaves its place to neither side.
 */
export function pairedJoinTimes(
	joins: readonly JoinTimes[],
	mode: "batched" | "count",
	other: string,
): [ours: number, theirs: number][] {
	const pairs: [number, number][] = [];
	for (const mine of joins) {
		if (mine.server !== "ours") continue;
		const theirs = joins.find((r) => r.server === other && r.round === mine.round);
		if (!theirs) continue;
		mine.repeatsMs[mode].forEach((ms, i) => {
			const their = theirs.repeatsMs[mode][i];
			if (ms !== null && their !== null && their !== undefined) pairs.push([ms, their]);
		});
	}
	return pairs;
}
