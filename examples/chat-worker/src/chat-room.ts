/**
 * The room: edge-rooms' Room with this app's rules. Hooks run inside the room's turn, for a
 * client's message and for a backend's publish alike, and must not wait for anything.
 */
import {
	type IncomingMessage,
	type LeaveReason,
	type MessageDecision,
	Room,
	refuse,
	type User,
} from "edge-rooms/server";

/** Words this room does not carry; the whole message is refused, so nobody sees half of it. */
const BANNED = /\b(spoiler|spoilers)\b/i;

export class ChatRoom extends Room {
	override onMessage({ message }: IncomingMessage): MessageDecision {
		const banned = BANNED.exec(JSON.stringify(message));
		if (banned) return refuse("FORBIDDEN", `"${banned[0]}" is not allowed in this room`);
		return undefined;
	}

	override onJoin(user: User): void {
		console.log(`${this.roomName}: ${user.name} joined`);
	}

	override onLeave(user: User, reason: LeaveReason): void {
		console.log(`${this.roomName}: ${user.name} left (${reason})`);
	}
}
