/**
 * The page the hooks' browser tests drive (bundled by page-server.ts with React's development
 * build, so StrictMode really mounts every effect twice). It renders one room, with `useRoom(options)`
 * or under a `RoomProvider`, and shows what the hooks return as DOM the tests read;
 * `window.reactHarness` mounts and unmounts it.
 */
import { Component, createElement as h, type ReactNode, StrictMode, useEffect, useState } from "react";
import { createRoot, type Root } from "react-dom/client";
import { RoomClient } from "../../../src/client";
import {
	type RoomHandle,
	RoomProvider,
	type SignalData,
	type UseRoomOptions,
	useRoom,
	useSignal,
} from "../../../src/react";

export interface MountSettings {
	strict: boolean;
	/** Re-render the room component on every animation frame and on a 1 ms timer. */
	churn: boolean;
}

export interface ReactHarness {
	mount(options: UseRoomOptions, settings: MountSettings): void;
	/** A `RoomProvider` whose children read its room: one with `useRoom()`, one with `useSignal(handler)`. */
	mountProvider(options: UseRoomOptions, strict: boolean): void;
	/** `useRoom()` with no provider above it, under an error boundary that shows the error in `#error`. */
	mountWithoutProvider(): void;
	unmount(): void;
	/** Sends through the mounted `useRoom`; resolves with the ack's seq. */
	send(text: string): Promise<number>;
	signal(value: unknown): void;
	/** How many times any RoomClient was told to connect: one per client the hooks made. */
	connects(): number;
}

// Counted here, not by sockets: a client closed at once may never get as far as opening one.
let connects = 0;
const connect = RoomClient.prototype.connect;
RoomClient.prototype.connect = function counted(this: RoomClient) {
	connects += 1;
	return connect.call(this);
};

let latest: RoomHandle | undefined;
let root: Root | undefined;

function useChurn(enabled: boolean): number {
	const [tick, setTick] = useState(0);
	useEffect(() => {
		if (!enabled) return;
		let frame = requestAnimationFrame(function again() {
			setTick((value) => value + 1);
			frame = requestAnimationFrame(again);
		});
		const timer = setInterval(() => setTick((value) => value + 1), 1);
		return () => {
			cancelAnimationFrame(frame);
			clearInterval(timer);
		};
	}, [enabled]);
	return tick;
}

function Room({ options, churn }: { options: UseRoomOptions; churn: boolean }) {
	const room = useRoom(options);
	const tick = useChurn(churn);
	const [signals, setSignals] = useState<string[]>([]);
	useSignal(room, (signal) => setSignals((seen) => [...seen, describeSignal(signal)]));
	latest = room;
	return h(
		"main",
		null,
		...statusLines(room),
		h("p", { id: "renders" }, String(tick)),
		h("ul", { id: "users" }, ...room.users.map((user) => h("li", { key: user.userId }, user.userId))),
		h(
			"ol",
			{ id: "messages" },
			...room.messages.map((message) =>
				h("li", { key: message.id, "data-id": message.id, "data-seq": message.seq }, String(message.message)),
			),
		),
		signalList(signals),
	);
}

/** The room's state and user count, as every mounted tree shows them. */
function statusLines(room: RoomHandle) {
	return [
		h("p", { id: "state", "data-state": room.state }, room.state),
		h("p", { id: "count" }, String(room.userCount)),
	];
}

function describeSignal(signal: SignalData): string {
	return `${signal.from.userId}:${JSON.stringify(signal.signal)}`;
}

function signalList(signals: readonly string[]) {
	return h("ul", { id: "signals" }, ...signals.map((signal, index) => h("li", { key: index }, signal)));
}

/** Under a `RoomProvider`: the provider's room, through `useRoom()`. */
function ProvidedStatus() {
	const room = useRoom();
	latest = room;
	return h("section", null, ...statusLines(room));
}

/** Under a `RoomProvider`, a sibling of ProvidedStatus: the provider's signals, through `useSignal(handler)`. */
function ProvidedSignals() {
	const [signals, setSignals] = useState<string[]>([]);
	useSignal((signal) => setSignals((seen) => [...seen, describeSignal(signal)]));
	return signalList(signals);
}

class ErrorBoundary extends Component<{ children: ReactNode }, { error: string | undefined }> {
	override state: { error: string | undefined } = { error: undefined };

	static getDerivedStateFromError(error: unknown): { error: string } {
		return { error: error instanceof Error ? error.message : String(error) };
	}

	override render() {
		return this.state.error === undefined ? this.props.children : h("p", { id: "error" }, this.state.error);
	}
}

function render(node: ReactNode, strict: boolean): void {
	const container = document.getElementById("root");
	if (!container) throw new Error("the page has no #root");
	root = createRoot(container);
	root.render(strict ? h(StrictMode, null, node) : node);
}

const harness: ReactHarness = {
	mount(options, { strict, churn }) {
		render(h(Room, { options, churn }), strict);
	},
	mountProvider(options, strict) {
		render(h(RoomProvider, { options }, h(ProvidedStatus), h(ProvidedSignals)), strict);
	},
	mountWithoutProvider() {
		render(h(ErrorBoundary, null, h(ProvidedStatus)), false);
	},
	unmount() {
		root?.unmount();
		root = undefined;
		latest = undefined;
	},
	async send(text) {
		if (!latest) throw new Error("nothing is mounted");
		return (await latest.send(text)).seq;
	},
	signal(value) {
		latest?.signal(value);
	},
	connects: () => connects,
};

(globalThis as { reactHarness?: ReactHarness }).reactHarness = harness;
