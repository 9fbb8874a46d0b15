/** A refusal the client caused: thrown by an event handler, sent back as an `Error` event. */
import type { ErrorCode } from "../protocol";

export class ProtocolError extends Error {
	constructor(
		readonly code: ErrorCode,
		message: string,
	) {
		super(message);
		this.name = "ProtocolError";
	}
}
