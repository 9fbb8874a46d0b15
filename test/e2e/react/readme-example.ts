/**
 * The README's React example, as a user copies it: the fenced `tsx` block between
 * `<!-- react-example:start -->` and `<!-- react-example:end -->`, with nothing changed but the
 * string of its one `const HOST = "…"` line.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO } from "../package/packed";

const START = "<!-- react-example:start -->";
const END = "<!-- react-example:end -->";
const HOST_LINE = /^(const HOST = )"[^"\n]*"/m;

/** The example's code, as README.md shows it. */
export async function readmeReactExample(readmePath = join(REPO, "README.md")): Promise<string> {
	const readme = await readFile(readmePath, "utf8");
	const start = readme.indexOf(START);
	const end = readme.indexOf(END, start);
	if (start < 0 || end < 0) throw new Error(`${readmePath} has no React example between ${START} and ${END}`);
	const block = /```tsx\n([\s\S]*?)\n```/.exec(readme.slice(start + START.length, end))?.[1];
	if (block === undefined) throw new Error(`no \`\`\`tsx block between ${START} and ${END}`);
	return `${block}\n`;
}

/** The example with its service at `host`: the one line a user edits. */
export function withHost(example: string, host: string): string {
	const lines = example.match(new RegExp(HOST_LINE.source, "gm")) ?? [];
	if (lines.length !== 1) throw new Error(`the React example has ${lines.length} \`const HOST = "…"\` lines, not one`);
	return example.replace(HOST_LINE, (_line, start: string) => `${start}${JSON.stringify(host)}`);
}
