/**
 * `RoomProvider`: one room for a whole component tree. It holds the room as `useRoom(options)`
 * would and hands its handle down through a context, so `useRoom()` and `useSignal(handler)`
 * anywhere below share that one client and its one socket, with no options passed around.
 */
import { createContext, createElement, type ReactElement, type ReactNode } from "react";
import { type RoomHandle, type UseRoomOptions, useOwnRoom } from "./own-room";

export interface RoomProviderProps {
	/** The room's options, compared by value as `useRoom(options)` compares them. */
	options: UseRoomOptions;
	children?: ReactNode;
}

/** The nearest `RoomProvider`'s handle; `undefined` outside every provider. */
export const RoomContext = createContext<RoomHandle | undefined>(undefined);
RoomContext.displayName = "RoomContext";

export function RoomProvider({ options, children }: RoomProviderProps): ReactElement {
	const room = useOwnRoom(options);
	return createElement(RoomContext.Provider, { value: room }, children);
}
