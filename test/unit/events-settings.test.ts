/** (1.4) Where room events go, read forgivingly from the Worker's variables. */
import { describe, expect, it, vi } from "vitest";
import { readEventSettings, sendsEvents } from "../../src/room/events/settings";

const queue = { send: vi.fn(), sendBatch: vi.fn() } as unknown as Queue;

describe("readEventSettings", () => {
	it("configures nothing by default: no event is written", () => {
		const warn = vi.fn();
		const settings = readEventSettings({}, warn);
		expect(settings).toEqual({ messages: false });
		expect(sendsEvents(settings)).toBe(false);
		expect(warn).not.toHaveBeenCalled();
	});

	it("reads a webhook with its secret, a queue, and EVENTS_MESSAGES", () => {
		const settings = readEventSettings({
			WEBHOOK_URL: " https://backend.example/rooms ",
			WEBHOOK_SECRET: "whsec_abc",
			EVENTS_QUEUE: queue,
			EVENTS_MESSAGES: "true",
		});
		expect(settings).toEqual({
			webhook: { url: "https://backend.example/rooms", secret: "whsec_abc" },
			queue,
			messages: true,
		});
		expect(sendsEvents(settings)).toBe(true);
		expect(sendsEvents(readEventSettings({ EVENTS_QUEUE: queue }))).toBe(true);
	});

	it.each([
		[{ WEBHOOK_URL: "https://backend.example/rooms" }, "WEBHOOK_SECRET is not set"],
		[{ WEBHOOK_URL: "not a url", WEBHOOK_SECRET: "s" }, "not a URL"],
		[{ WEBHOOK_URL: "ftp://backend.example/", WEBHOOK_SECRET: "s" }, "not an http(s) URL"],
	])("sends no webhook for %j, and says why", (env, why) => {
		const warn = vi.fn();
		expect(readEventSettings(env, warn).webhook).toBeUndefined();
		expect(warn).toHaveBeenCalledWith(expect.stringContaining(why));
	});

	it("takes anything but true or false for EVENTS_MESSAGES as false, and says so", () => {
		const warn = vi.fn();
		expect(readEventSettings({ EVENTS_MESSAGES: "yes" }, warn).messages).toBe(false);
		expect(warn).toHaveBeenCalledWith(expect.stringContaining("EVENTS_MESSAGES"));
		expect(readEventSettings({ EVENTS_MESSAGES: "TRUE" }, warn).messages).toBe(true);
	});

	it("ignores an EVENTS_QUEUE that is not a Queue", () => {
		const warn = vi.fn();
		expect(readEventSettings({ EVENTS_QUEUE: "queue" as unknown as Queue }, warn).queue).toBeUndefined();
		expect(warn).toHaveBeenCalledOnce();
	});
});
