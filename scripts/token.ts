/**
 * Mints a room token for development: `npm run token -- --sub alice --rooms lobby --ttl 1h`.
 * Signs with AUTH_SECRET from the environment, else from .dev.vars (what `wrangler dev` reads).
 * The token alone goes to stdout (`TOKEN=$(npm run -s token -- …)`); the demo page's URL with
 * it goes to stderr, for a person to open. Runs on Node's type stripping, so it imports only
 * files without imports of their own.
 */
import { readFileSync } from "node:fs";
import { parseArgs, parseEnv } from "node:util";
import { sign } from "hono/jwt";
import { isValidRoomName, Limits } from "../src/protocol/constants.ts";

const DEFAULT_ORIGIN = "http://localhost:8787";

const USAGE = `usage: npm run token -- --sub USER_ID [--name NAME] [--rooms a,b] [--ttl 1h] [--origin URL] [--vars-file .dev.vars]
  --sub        the userId the token is for (required)
  --name       display name; when set, it is the user's name in every room
  --rooms      comma-separated rooms the token may enter (default: every room)
  --ttl        lifetime: 90s, 30m, 1h, 7d (default 1h)
  --origin     where the Worker serves the demo page, for the URL printed (default ${DEFAULT_ORIGIN})
  --vars-file  where to read AUTH_SECRET when it is not in the environment (default .dev.vars)
Prints the token on stdout, and on stderr the demo page's URL that joins with it
(the first of --rooms, else lobby).`;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

function parseTtl(text: string): number {
	const match = /^(\d+)([smhd])$/.exec(text.trim());
	if (!match) throw new Error(`--ttl must look like 90s, 30m, 1h or 7d, not "${text}"`);
	const seconds = Number(match[1]) * (UNIT_SECONDS[match[2] as string] as number);
	if (seconds <= 0) throw new Error("--ttl must be more than zero");
	return seconds;
}

function readSecret(varsFile: string): string {
	if (process.env.AUTH_SECRET) return process.env.AUTH_SECRET;
	let text: string;
	try {
		text = readFileSync(varsFile, "utf8");
	} catch {
		throw new Error(`AUTH_SECRET is not set and ${varsFile} cannot be read (copy .dev.vars.example to .dev.vars)`);
	}
	const secret = parseEnv(text).AUTH_SECRET;
	if (!secret) throw new Error(`${varsFile} has no AUTH_SECRET`);
	return secret;
}

async function main(): Promise<void> {
	const { values } = parseArgs({
		options: {
			sub: { type: "string" },
			name: { type: "string" },
			rooms: { type: "string" },
			ttl: { type: "string", default: "1h" },
			origin: { type: "string", default: DEFAULT_ORIGIN },
			"vars-file": { type: "string", default: ".dev.vars" },
			help: { type: "boolean", short: "h" },
		},
	});
	if (values.help) {
		console.log(USAGE);
		return;
	}
	const sub = values.sub ?? "";
	if (sub.length < 1 || sub.length > Limits.idMaxLength || !sub.isWellFormed())
		throw new Error(`--sub is required, 1-${Limits.idMaxLength} characters`);
	const payload: Record<string, unknown> = { sub, exp: Math.floor(Date.now() / 1000) + parseTtl(values.ttl) };
	if (values.name !== undefined) {
		if (values.name.length < 1 || values.name.length > Limits.nameMaxLength || !values.name.isWellFormed()) {
			throw new Error(`--name must be 1-${Limits.nameMaxLength} characters`);
		}
		payload.name = values.name;
	}
	let rooms: string[] | undefined;
	if (values.rooms !== undefined) {
		rooms = values.rooms.split(",").map((room) => room.trim());
		const bad = rooms.filter((room) => !isValidRoomName(room));
		if (bad.length > 0) throw new Error(`not valid room names: ${bad.join(", ")}`);
		payload.rooms = rooms;
	}
	const page = pageUrl(values.origin);
	const token = await sign(payload, readSecret(values["vars-file"]), "HS256");
	console.log(token);
	page.search = new URLSearchParams({ room: rooms?.[0] ?? "lobby", token }).toString();
	console.error(`The demo page as ${values.name ?? sub}, for ${values.ttl}:\n  ${page}`);
}

/** The demo page's address at an origin such as http://localhost:8787 or https://rooms.example.com. */
function pageUrl(origin: string): URL {
	let url: URL;
	try {
		url = new URL(origin);
	} catch {
		throw new Error(`--origin must be a URL such as ${DEFAULT_ORIGIN}, not "${origin}"`);
	}
	if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("--origin must be http: or https:");
	return new URL("/", url.origin);
}

main().catch((error: unknown) => {
	console.error(`token: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
	process.exit(1);
});
