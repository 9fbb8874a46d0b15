/**
 * `edge-rooms/server`: rooms inside your own Worker. Export `Room` (or a subclass with hooks) as
 * your Durable Object class, mount `createRoomsApp()` at any prefix of your Hono app, and reach a
 * room from backend code with `getRoom()`. docs/server.md shows the whole setup.
 */
export type { RoomsEnv } from "../env";
export type {
	DirectoryPage,
	DirectoryRoom,
	ErrorCode,
	HttpErrorCode,
	JsonObject,
	JsonValue,
	LeaveReason,
	Message,
	MessageAckData,
	MessageSender,
	OccupancyPage,
	RoomEvent,
	RoomEventData,
	RoomEventsBody,
	RoomEventType,
	User,
	UsersPage,
} from "../protocol";
export { ErrorCodes, LeaveReasons, RoomEventTypes, SYSTEM_SENDER } from "../protocol";
export { type IncomingMessage, type MessageDecision, refuse } from "../room/hooks";
export { Room } from "../room/room";
export { type ListRoomsOptions, listRooms } from "./room-directory";
export {
	getRoom,
	type RemoveOptions,
	RoomCallError,
	type RoomHandle,
	type SenderOption,
	type SendOptions,
	type UsersPageOptions,
} from "./room-handle";
export { createRoomsApp, type RoomIdentity, type RoomsAppOptions } from "./rooms-app";
export {
	RoomEventsVerificationError,
	type VerificationProblem,
	type VerifyOptions,
	verifyRoomEvents,
	type WebhookRequestParts,
} from "./verify-events";
