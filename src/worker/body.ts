/** Reading a request body with a size limit, without holding more of it than the limit. */

export type BodyText = { ok: true; text: string } | { ok: false; problem: "too large" | "not utf-8" };

/**
 * The body as text, or "too large" as soon as it passes `maxBytes` (a lying or absent
 * Content-Length does not matter: the bytes are counted as they arrive), or "not utf-8"
 * (decoding strictly: a replaced byte would change what was sent).
 */
export async function readBodyText(request: Request, maxBytes: number): Promise<BodyText> {
	const declared = Number(request.headers.get("Content-Length") ?? 0);
	if (declared > maxBytes) return { ok: false, problem: "too large" };
	if (!request.body) return { ok: true, text: "" };
	const chunks: Uint8Array[] = [];
	let size = 0;
	const reader = request.body.getReader();
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		size += value.byteLength;
		if (size > maxBytes) {
			await reader.cancel();
			return { ok: false, problem: "too large" };
		}
		chunks.push(value);
	}
	const bytes = new Uint8Array(size);
	let offset = 0;
	for (const chunk of chunks) {
		bytes.set(chunk, offset);
		offset += chunk.byteLength;
	}
	try {
		return { ok: true, text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes) };
	} catch {
		return { ok: false, problem: "not utf-8" };
	}
}
