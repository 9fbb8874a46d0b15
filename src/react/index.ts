/**
 * React bindings for the room client: `import { RoomProvider, useRoom, useSignal } from "edge-rooms/react"`.
 * React (18 or later, for `useSyncExternalStore`) is an optional peer dependency of the package.
 */
export type { Message, SignalData, SignalOptions, SignalOutcome, User } from "../client";
export { type RoomHandle, type UseRoomOptions, useRoom, useSignal } from "./hooks";
export { RoomProvider, type RoomProviderProps } from "./provider";
export type { RoomConnectionError, RoomSnapshot } from "./room-store";
