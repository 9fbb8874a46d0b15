/**
 * Frames as the README and the docs pages show them, read as patterns: JSON in which `…` stands
 * for what the reader need not see. `"6f0c…"` is some string, `:…` any value, `{…}` any object,
 * `[…]` any array, and a `…` among an object's members or an array's items means "and more". A
 * pattern matches a real frame when every member it shows is there, in the same order, with a
 * value of the same type; an object or array without `…` must have exactly the members or items
 * shown. Event names are compared as written.
 */

export type Pattern =
	| { kind: "any" }
	| { kind: "string"; value: string | undefined }
	| { kind: "number" | "boolean" | "null" }
	| { kind: "object"; members: [string, Pattern][]; open: boolean }
	| { kind: "array"; items: Pattern[]; open: boolean };

const ELLIPSIS = "…";
/** Members whose value is compared, not only typed. */
const LITERAL_MEMBERS = new Set(["eventType", "event"]);

export function parsePattern(text: string): Pattern {
	let at = 0;
	const skipSpace = () => {
		while (/\s/.test(text[at] ?? "")) at += 1;
	};
	const fail = (what: string): never => {
		throw new Error(`${what} at ${at} in ${text}`);
	};
	const take = (token: string): boolean => {
		skipSpace();
		if (!text.startsWith(token, at)) return false;
		at += token.length;
		return true;
	};
	const expectToken = (token: string) => {
		if (!take(token)) fail(`expected ${token}`);
	};
	const parseString = (): string => {
		skipSpace();
		const match = /^"(?:[^"\\]|\\.)*"/.exec(text.slice(at));
		if (!match) return fail("expected a string");
		at += match[0].length;
		return JSON.parse(match[0]) as string;
	};
	const parseValue = (): Pattern => {
		skipSpace();
		const char = text[at];
		if (take(ELLIPSIS)) return { kind: "any" };
		if (char === '"') {
			const value = parseString();
			return { kind: "string", value: value.includes(ELLIPSIS) ? undefined : value };
		}
		if (take("{")) {
			const members: [string, Pattern][] = [];
			let open = false;
			while (!take("}")) {
				if (members.length > 0 || open) expectToken(",");
				if (take(ELLIPSIS)) open = true;
				else {
					const key = parseString();
					expectToken(":");
					members.push([key, parseValue()]);
				}
			}
			return { kind: "object", members, open };
		}
		if (take("[")) {
			const items: Pattern[] = [];
			let open = false;
			while (!take("]")) {
				if (items.length > 0 || open) expectToken(",");
				if (take(ELLIPSIS)) open = true;
				else items.push(parseValue());
			}
			return { kind: "array", items, open };
		}
		if (take("true") || take("false")) return { kind: "boolean" };
		if (take("null")) return { kind: "null" };
		const number = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(at));
		if (number) {
			at += number[0].length;
			return { kind: "number" };
		}
		return fail("expected a value");
	};
	const pattern = parseValue();
	skipSpace();
	if (at !== text.length) fail("trailing text");
	return pattern;
}

function typeOf(value: unknown): string {
	if (value === null) return "null";
	if (Array.isArray(value)) return "array";
	return typeof value;
}

/** Why `value` does not match `pattern`, or undefined when it does. */
export function mismatch(pattern: Pattern, value: unknown, path = "$", literal = false): string | undefined {
	if (pattern.kind === "any") return undefined;
	if (typeOf(value) !== pattern.kind)
		return `${path}: a ${pattern.kind} is shown, the server sent ${JSON.stringify(value)}`;
	if (pattern.kind === "string" && literal && pattern.value !== value)
		return `${path}: "${pattern.value}" is shown, the server sent ${JSON.stringify(value)}`;
	if (pattern.kind === "array") {
		const items = value as unknown[];
		if (pattern.open ? items.length < pattern.items.length : items.length !== pattern.items.length)
			return `${path}: ${pattern.items.length}${pattern.open ? " or more" : ""} items are shown, the server sent ${items.length}`;
		for (const [index, item] of pattern.items.entries()) {
			const problem = mismatch(item, items[index], `${path}[${index}]`);
			if (problem) return problem;
		}
	}
	if (pattern.kind === "object") {
		const object = value as Record<string, unknown>;
		const keys = Object.keys(object);
		const shown = pattern.members.map(([key]) => key);
		const order = keys.filter((key) => shown.includes(key));
		if (order.join() !== shown.join())
			return `${path}: keys ${shown.join(",")} are shown, the server sent ${keys.join(",")}`;
		if (!pattern.open && keys.length !== shown.length)
			return `${path}: keys ${shown.join(",")} are shown, the server sent ${keys.join(",")}`;
		for (const [key, member] of pattern.members) {
			const problem = mismatch(member, object[key], `${path}.${key}`, LITERAL_MEMBERS.has(key));
			if (problem) return problem;
		}
	}
	return undefined;
}

export interface ShownFrame {
	/** `<` from the server, `>` from the client. */
	direction: "<" | ">";
	text: string;
	/** 1-based line in the markdown. */
	line: number;
}

/** The `<` and `>` lines of the markdown's ```text blocks. */
export function shownFrames(markdown: string): ShownFrame[] {
	const frames: ShownFrame[] = [];
	let inText = false;
	for (const [index, line] of markdown.split("\n").entries()) {
		if (line.startsWith("```")) inText = !inText && line.trim() === "```text";
		else if (inText && /^[<>] /.test(line))
			frames.push({ direction: line[0] as "<" | ">", text: line.slice(2).trim(), line: index + 1 });
	}
	return frames;
}
