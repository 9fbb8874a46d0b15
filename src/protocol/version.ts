/**
 * Protocol versions as `ConnectionEstablished.version` gives them ("1.1", "1.2"): a client asks
 * for a feature only from a server whose version is at least the one that brought it.
 */

/** Dotted decimal parts, each a few digits: "1.2", "1.10", "2". */
const VERSION = /^\d{1,6}(\.\d{1,6})*$/;

function versionParts(version: unknown): number[] | undefined {
	return typeof version === "string" && VERSION.test(version) ? version.split(".").map(Number) : undefined;
}

/**
 * Whether `version` is `minimum` or later, part by part as numbers ("1.10" is after "1.2", "1.2.1"
 * after "1.2", "1.2.0" equal to it). A version that is not dotted decimals ("1.2-beta", a number,
 * none at all) is not known to be later: false.
 */
export function versionAtLeast(version: unknown, minimum: string): boolean {
	const have = versionParts(version);
	const want = versionParts(minimum);
	if (!have || !want) return false;
	for (let part = 0; part < Math.max(have.length, want.length); part += 1) {
		const mine = have[part] ?? 0;
		const wanted = want[part] ?? 0;
		if (mine !== wanted) return mine > wanted;
	}
	return true;
}
