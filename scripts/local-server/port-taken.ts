/**
 * A port `freePorts` found free can be taken before the server binds it (by another server, or as
 * the local port of an outgoing connection): such a start failed on its port, not on the server.
 * Pure, so that a unit test can check it without starting anything.
 */

/** Whether a failed start printed that a port it was given was in use (wrangler's and Node's wording). */
export function isPortTaken(error: unknown): boolean {
	return error instanceof Error && /Address already in use|EADDRINUSE/.test(error.message);
}
