/**
 * A fresh Vite React-TS app as `npm create vite@latest my-app -- --template react-ts` makes it
 * (vite-app/template: the template's files, less its App.tsx and what only that one imports,
 * App.css and images), with the packed edge-rooms installed as a user installs the tarball, and
 * built by the template's own `npm run build` (`tsc -b && vite build`, its strict tsconfig).
 */
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execIn, npmInstall, packInto } from "../package/packed";

const TEMPLATE = join(dirname(fileURLToPath(import.meta.url)), "vite-app/template");

export interface ViteApp {
	dir: string;
	/** Writes `app` as src/App.tsx and builds into `outDir` (relative to the app); returns that directory. */
	build(app: string, outDir: string): Promise<string>;
	remove(): Promise<void>;
}

export async function createViteApp(): Promise<ViteApp> {
	const dir = await mkdtemp(join(tmpdir(), "edge-rooms-vite-"));
	await cp(TEMPLATE, dir, { recursive: true });
	const tarball = await packInto(dir);
	await npmInstall(dir, [tarball.path]);
	return {
		dir,
		async build(app, outDir) {
			await writeFile(join(dir, "src/App.tsx"), app);
			// npm hands the arguments after `--` to the script's last command, `vite build`.
			await execIn(dir, "npm", ["run", "build", "--", "--outDir", outDir]);
			return join(dir, outDir);
		},
		remove: () => rm(dir, { recursive: true, force: true }),
	};
}
