/** The string rules of the protocol: UTF-8 byte length and room names. */
import { describe, expect, it } from "vitest";
import { isValidRoomName, utf8ByteLength } from "../../src/protocol";
import { mulberry32 } from "../support/prng";

// ---- utf8ByteLength ---------------------------------------------------------

describe("utf8ByteLength", () => {
	const encoded = (s: string) => new TextEncoder().encode(s).length;

	it.each([
		["the empty string", "", 0],
		["ASCII", "hello, world", 12],
		["a NUL character", "\u0000", 1],
		["the last 1-byte character U+007F", "\u007f", 1],
		["the first 2-byte character U+0080", "\u0080", 2],
		["2-byte characters", "éñü", 6],
		["the last 2-byte character U+07FF", "\u07ff", 2],
		["the first 3-byte character U+0800", "\u0800", 3],
		["3-byte characters", "€中文", 9],
		["U+FFFF", "\uffff", 3],
		["a surrogate pair (emoji)", "😀", 4],
		["the first astral character U+10000", "\u{10000}", 4],
		["the last code point U+10FFFF", "\u{10ffff}", 4],
		["a mix", "a é € 😀", 13],
	])("counts %s", (_what, text, bytes) => {
		expect(utf8ByteLength(text)).toBe(bytes);
		expect(utf8ByteLength(text)).toBe(encoded(text));
	});

	it.each([
		["a lone high surrogate", "\ud800"],
		["a lone low surrogate", "\udc00"],
		["a high surrogate at the end", "ab\udbff"],
		["a high surrogate followed by ASCII", "\ud83dx"],
		["two high surrogates", "\ud83d\ud83d"],
		["a reversed pair (low then high)", "\ude00\ud83d"],
		["a lone high surrogate before a valid pair", "\ud800😀"],
		["a valid pair followed by a lone low surrogate", "😀\ude00"],
	])("counts %s as TextEncoder does (3 bytes of U+FFFD each)", (_what, text) => {
		expect(utf8ByteLength(text)).toBe(encoded(text));
	});

	it("agrees with TextEncoder on 2000 random strings (seeded)", () => {
		const random = mulberry32(0x5eed);
		const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
		// Code unit ranges, surrogates included on purpose so that pairs, lone halves and
		// reversed pairs all occur.
		const ranges: readonly [number, number][] = [
			[0x00, 0x7f],
			[0x80, 0x7ff],
			[0x800, 0xd7ff],
			[0xd800, 0xdbff],
			[0xdc00, 0xdfff],
			[0xe000, 0xffff],
		];
		for (let n = 0; n < 2000; n++) {
			let text = "";
			const length = Math.floor(random() * 40);
			for (let i = 0; i < length; i++) {
				if (random() < 0.15) {
					text += String.fromCodePoint(0x10000 + Math.floor(random() * 0x100000));
				} else {
					const [lo, hi] = pick(ranges);
					text += String.fromCharCode(lo + Math.floor(random() * (hi - lo + 1)));
				}
			}
			const expected = encoded(text);
			if (utf8ByteLength(text) !== expected) {
				throw new Error(`mismatch for ${JSON.stringify(text)}: ${utf8ByteLength(text)} != ${expected}`);
			}
		}
	});
});

// ---- isValidRoomName --------------------------------------------------------

describe("isValidRoomName", () => {
	it.each(["a", "Z", "0", "lobby", "Room-1", "my_room.v2", "a.b_c-d", "a..", "a__", "a--", "9lives", "ABCxyz0189"])(
		"accepts %j",
		(name) => {
			expect(isValidRoomName(name)).toBe(true);
		},
	);

	it("accepts a name of exactly 64 characters", () => {
		expect(isValidRoomName("r".repeat(64))).toBe(true);
	});

	it("rejects a name of 65 characters", () => {
		expect(isValidRoomName("r".repeat(65))).toBe(false);
	});

	it("rejects the empty string", () => {
		expect(isValidRoomName("")).toBe(false);
	});

	it.each([".room", "_room", "-room", ".", "_", "-", ".."])(
		"rejects %j, which does not start with a letter or digit",
		(name) => {
			expect(isValidRoomName(name)).toBe(false);
		},
	);

	it.each([
		["a space", "my room"],
		["a slash", "a/b"],
		["a backslash", "a\\b"],
		["a percent sign", "a%20b"],
		["a colon", "a:b"],
		["a plus", "a+b"],
		["a tilde", "a~b"],
		["a trailing newline", "room\n"],
		["a leading space", " room"],
		["a NUL character", "room\u0000"],
	])("rejects a name with %s", (_what, name) => {
		expect(isValidRoomName(name)).toBe(false);
	});

	it.each([
		["an accented letter", "café"],
		["a Greek letter", "αβγ"],
		["a CJK character", "部屋"],
		["an emoji", "room😀"],
		["a fullwidth digit", "１"],
		["a Kelvin sign (case-folds to k)", "\u212a"],
	])("rejects unicode: %s", (_what, name) => {
		expect(isValidRoomName(name)).toBe(false);
	});
});
