import type { ErrorCode } from "./constants";

/** A refusal the client caused: thrown by a handler before it changes anything, sent back as `Error`. */
export class ProtocolError extends Error {
	constructor(
		readonly code: ErrorCode,
		message: string,
	) {
		super(message);
		this.name = "ProtocolError";
	}
}
