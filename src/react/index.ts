/**
 * React bindings for the room client: `import { useRoom, useSignal } from "edge-rooms/react"`.
 * React (18 or later, for `useSyncExternalStore`) is an optional peer dependency of the package.
 */
export type { RoomSnapshot } from "./room-store";
export type { SignalOptions } from "./signal-api";
export { type RoomHandle, type UseRoomOptions, useRoom } from "./use-room";
export { useSignal } from "./use-signal";
