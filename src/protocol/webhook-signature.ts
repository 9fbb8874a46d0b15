/**
 * (1.4) Standard Webhooks signatures, with WebCrypto only (Workers, browsers, Node): a request
 * is signed with HMAC-SHA256 over "{webhook-id}.{webhook-timestamp}.{body}", sent as
 * `v1,<base64>`. The key is the secret's bytes: the decoded base64 after `whsec_`, as the
 * Standard Webhooks libraries read such a secret, else the secret's UTF-8 bytes.
 */
import { WEBHOOK_SECRET_PREFIX } from "./room-events";

const SIGNATURE_VERSION = "v1";
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The HMAC key's bytes for a webhook secret. */
export function webhookKeyBytes(secret: string): Uint8Array<ArrayBuffer> {
	const encoded = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : undefined;
	if (encoded !== undefined && encoded.length > 0 && BASE64.test(encoded)) return base64Bytes(encoded);
	return utf8Bytes(secret);
}

/** The key a room signs with, or a backend verifies with; import it once and reuse it. */
export function importWebhookKey(secret: string): Promise<CryptoKey> {
	return crypto.subtle.importKey("raw", webhookKeyBytes(secret), { name: "HMAC", hash: "SHA-256" }, false, [
		"sign",
		"verify",
	]);
}

/** The `webhook-signature` header's value for one request. */
export async function signWebhook(key: CryptoKey, id: string, timestamp: number, body: string): Promise<string> {
	const mac = await crypto.subtle.sign("HMAC", key, signedContent(id, timestamp, body));
	return `${SIGNATURE_VERSION},${bytesBase64(new Uint8Array(mac))}`;
}

/**
 * Whether any of the space-separated signatures of a `webhook-signature` header is this request's
 * (a sender rotating secrets may send several). `crypto.subtle.verify` compares in constant time.
 */
export async function webhookSignatureMatches(
	key: CryptoKey,
	header: string,
	id: string,
	timestamp: string,
	body: string,
): Promise<boolean> {
	const content = signedContent(id, timestamp, body);
	for (const part of header.split(" ")) {
		const [version, signature] = part.split(",", 2);
		if (version !== SIGNATURE_VERSION || signature === undefined || !BASE64.test(signature)) continue;
		const bytes = base64Bytes(signature);
		if (bytes.length === 32 && (await crypto.subtle.verify("HMAC", key, bytes, content))) return true;
	}
	return false;
}

function signedContent(id: string, timestamp: number | string, body: string): Uint8Array<ArrayBuffer> {
	return utf8Bytes(`${id}.${timestamp}.${body}`);
}

/** Copied into an `ArrayBuffer` of its own, as WebCrypto's types ask (the encoder's may be shared). */
function utf8Bytes(text: string): Uint8Array<ArrayBuffer> {
	return new Uint8Array(new TextEncoder().encode(text));
}

function base64Bytes(text: string): Uint8Array<ArrayBuffer> {
	const binary = atob(text);
	const bytes = new Uint8Array(binary.length);
	for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
	return bytes;
}

function bytesBase64(bytes: Uint8Array): string {
	let binary = "";
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return btoa(binary);
}
