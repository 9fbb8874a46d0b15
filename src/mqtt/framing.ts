/**
 * Cutting a WebSocket's binary frames into MQTT packets. MQTT.js in Node sends one packet as
 * several frames (a field each), browsers send several packets in one frame: a frame may end
 * anywhere, even inside a packet's remaining length. Pure: no codec, only the fixed header.
 */

export class FramingError extends Error {}

/** A fixed header is a type byte and at most 4 remaining length bytes. */
const MAX_HEADER_BYTES = 5;

/**
 * The whole size of the packet starting at `start` (fixed header included), or -1 when its fixed
 * header is not complete before `end`. Throws FramingError for a fifth length byte.
 */
function packetSize(bytes: Uint8Array, start: number, end: number): number {
	let remaining = 0;
	let multiplier = 1;
	for (let i = 1; i < MAX_HEADER_BYTES; i++) {
		if (start + i >= end) return -1;
		const byte = bytes[start + i] as number;
		remaining += (byte & 0x7f) * multiplier;
		if ((byte & 0x80) === 0) return 1 + i + remaining;
		multiplier *= 128;
	}
	throw new FramingError("remaining length over 4 bytes");
}

/**
 * Cuts a byte stream into whole MQTT packets: a frame may hold several packets, a packet may span
 * frames, even its length bytes. Packets found whole inside one frame are subarrays of that frame
 * (no copy): the caller must not write into the frames it pushes. After a FramingError the
 * connection is to be closed; the framer is left empty.
 */
export class PacketFramer {
	/** The fixed header bytes of a packet whose size is not known yet. */
	private readonly head = new Uint8Array(MAX_HEADER_BYTES);
	private headLength = 0;
	/** A packet whose size is known, allocated whole, filled up to `filled`. */
	private body: Uint8Array | undefined;
	private filled = 0;
	private readonly maxPacketBytes: number;

	/** `maxPacketBytes`: the largest whole packet, fixed header included. */
	constructor(maxPacketBytes: number) {
		this.maxPacketBytes = maxPacketBytes;
	}

	/**
	 * Appends bytes; returns the complete packets now available, in order (each a Uint8Array of
	 * exactly one packet). Throws FramingError for a remaining length over 4 bytes or a packet over
	 * maxPacketBytes (refused before buffering its body).
	 */
	push(bytes: Uint8Array): Uint8Array[] {
		try {
			return this.cut(bytes);
		} catch (error) {
			this.clear();
			throw error;
		}
	}

	/** Bytes of an incomplete packet held. */
	get pending(): number {
		return this.body ? this.filled : this.headLength;
	}

	/** A copy of the held incomplete bytes, for saving. */
	tail(): Uint8Array {
		return this.body ? this.body.slice(0, this.filled) : this.head.slice(0, this.headLength);
	}

	/** Puts back a saved tail (after a wake-up); anything held is dropped first. */
	restore(tail: Uint8Array): void {
		this.clear();
		if (this.push(tail).length > 0) {
			this.clear();
			throw new FramingError("a tail holds no complete packet");
		}
	}

	private clear(): void {
		this.headLength = 0;
		this.body = undefined;
		this.filled = 0;
	}

	private cut(bytes: Uint8Array): Uint8Array[] {
		const packets: Uint8Array[] = [];
		let at = 0;
		// First finish what earlier frames left: a header, then a body.
		while (this.headLength > 0 && at < bytes.length) {
			this.head[this.headLength++] = bytes[at++] as number;
			const size = packetSize(this.head, 0, this.headLength);
			if (size >= 0) {
				this.startBody(size, this.head.subarray(0, this.headLength));
				this.headLength = 0;
			}
		}
		if (this.body) {
			const body = this.body;
			const taken = Math.min(body.length - this.filled, bytes.length - at);
			body.set(bytes.subarray(at, at + taken), this.filled);
			this.filled += taken;
			at += taken;
			if (this.filled < body.length) return packets;
			packets.push(body);
			this.body = undefined;
			this.filled = 0;
		}
		// Then whole packets straight from this frame; the fast path is a frame of exactly one.
		while (at < bytes.length) {
			const size = packetSize(bytes, at, bytes.length);
			if (size < 0) {
				this.head.set(bytes.subarray(at), 0);
				this.headLength = bytes.length - at;
				break;
			}
			this.checkSize(size);
			if (at + size > bytes.length) {
				this.startBody(size, bytes.subarray(at));
				break;
			}
			packets.push(at === 0 && size === bytes.length ? bytes : bytes.subarray(at, at + size));
			at += size;
		}
		return packets;
	}

	private startBody(size: number, start: Uint8Array): void {
		this.checkSize(size);
		this.body = new Uint8Array(size);
		this.body.set(start, 0);
		this.filled = start.length;
	}

	private checkSize(size: number): void {
		if (size > this.maxPacketBytes) throw new FramingError(`packet of ${size} bytes over ${this.maxPacketBytes}`);
	}
}
