/**
 * The contract's rule for client-supplied JSON values (`message`, `meta`, `signal`): at most
 * `Limits.valueMaxDepth` levels of arrays and objects, and only finite numbers. A value that
 * breaks it could be stored yet never encoded again (`JSON.stringify` recurses, so a deep value
 * overflows the stack inside a larger frame), or be acknowledged and then delivered changed
 * (`1e309` parses as Infinity and encodes as null). The walk keeps its own stack, so no value,
 * however deep, can overflow it.
 */
import { Limits } from "./constants";

/** A value JSON can carry: what a message, a signal or meta may be. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Why a value breaks the rule, as the end of a sentence naming it; undefined when it keeps it. */
export function jsonValueProblem(value: unknown, maxDepth: number = Limits.valueMaxDepth): string | undefined {
	const pending: unknown[] = [value];
	const depths: number[] = [0];
	while (pending.length > 0) {
		const item = pending.pop();
		const depth = depths.pop() as number;
		if (typeof item === "number") {
			if (!Number.isFinite(item)) return "holds a number out of range (numbers must be finite)";
			continue;
		}
		if (typeof item !== "object" || item === null) continue;
		if (depth === maxDepth) return `nests deeper than ${maxDepth} levels`;
		const children = Array.isArray(item) ? item : Object.values(item);
		for (const child of children) {
			if (typeof child === "object" && child !== null) {
				pending.push(child);
				depths.push(depth + 1);
			} else if (typeof child === "number" && !Number.isFinite(child)) {
				return "holds a number out of range (numbers must be finite)";
			}
		}
	}
	return undefined;
}
