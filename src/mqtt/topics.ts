/**
 * The room's MQTT topics (contract "MQTT over WebSocket (1.5)", Topics). A session of user U has
 * four: `messages`, `messages/U` (its direct messages), `signals` and `presence`. Filters follow
 * MQTT 3.1.1 §4.7; a filter that can match none of a session's topics is refused (SUBACK 0x80).
 *
 * User ids are any 1–64 characters (src/protocol/schemas.ts), so U's direct topic is the literal
 * name `messages/` + U, matched by the ordinary rules:
 * - an id with '/' makes it several levels: `messages/a/b` is matched by `messages/a/b`,
 *   `messages/#` or `messages/a/+`, not by `messages/+`; a PUBLISH to `messages/a/b` is a direct
 *   message to "a/b" (everything after the first level is the user id, so nothing is ambiguous);
 * - an id with '+', '#' or NUL cannot be in a topic name at all [MQTT-4.7.1-1, 4.7.3-2]: that user
 *   has no direct topic (topicQos says -1 for it, so its direct messages reach none of its MQTT
 *   sessions), and no PUBLISH can name it (publishTarget refuses it).
 */

export type Topic = "messages" | "direct" | "signals" | "presence"; // "direct" = messages/<own user>

const MAX_FILTER_BYTES = 65_535;
const MAX_USER_ID_LENGTH = 64;
const utf8 = new TextEncoder();

/** MQTT 3.1.1 filter validity (non-empty, '#' only last and alone in its level, '+' alone in its level, no NUL, ≤ 65535 bytes). */
export function validFilter(filter: string): boolean {
	if (filter.length === 0 || filter.includes("\u0000")) return false;
	if (filter.length * 3 > MAX_FILTER_BYTES && utf8.encode(filter).length > MAX_FILTER_BYTES) return false;
	const levels = filter.split("/");
	for (let i = 0; i < levels.length; i++) {
		const level = levels[i] as string;
		if (level === "#") {
			if (i !== levels.length - 1) return false;
		} else if (level !== "+" && (level.includes("#") || level.includes("+"))) return false;
	}
	return true;
}

/** Whether a filter matches a topic name (3.1.1 rules: '+' one level, '#' this level and below incl. parent, names starting with '$' not matched by a leading wildcard). */
export function filterMatches(filter: string, topicName: string): boolean {
	if (topicName.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) return false;
	const filterLevels = filter.split("/");
	const nameLevels = topicName.split("/");
	for (let i = 0; i < filterLevels.length; i++) {
		const level = filterLevels[i];
		// '#' matches its parent too: `messages/#` matches `messages`.
		if (level === "#") return true;
		if (i >= nameLevels.length) return false;
		if (level !== "+" && level !== nameLevels[i]) return false;
	}
	return filterLevels.length === nameLevels.length;
}

/** A user id that can be written in a topic name. */
function nameableUser(userId: string): boolean {
	return (
		userId.length >= 1 &&
		userId.length <= MAX_USER_ID_LENGTH &&
		!userId.includes("+") &&
		!userId.includes("#") &&
		!userId.includes("\u0000")
	);
}

/** The highest QoS each topic is delivered at: signals and presence are QoS 0 only. */
const TOPIC_CAP: Record<Topic, 0 | 1> = { messages: 1, direct: 1, signals: 0, presence: 0 };
const TOPICS: readonly Topic[] = ["messages", "direct", "signals", "presence"];

/** A topic's name for user U, or undefined when U's id cannot be in a topic name. */
function topicName(topic: Topic, userId: string): string | undefined {
	if (topic !== "direct") return topic;
	return nameableUser(userId) ? `messages/${userId}` : undefined;
}

/** SUBACK code for a filter from user U requesting qos: 0 or 1 (2 granted as 1; signals and presence at most 0) if it matches one of U's four topics, 0x80 if it names messages/<another user> exactly, 0x80 if it can match none of them. */
export function grantFor(filter: string, requestedQos: number, userId: string): 0 | 1 | 0x80 {
	if (!validFilter(filter)) return 0x80;
	let cap = -1;
	for (const topic of TOPICS) {
		const name = topicName(topic, userId);
		if (name !== undefined && filterMatches(filter, name)) cap = Math.max(cap, TOPIC_CAP[topic]);
	}
	if (cap < 0) return 0x80;
	return Math.min(requestedQos >= 1 ? 1 : 0, cap) as 0 | 1;
}

/** The QoS a session with these subscriptions gets on a topic (-1: not subscribed): the highest of the filters matching it, capped as above. */
export function topicQos(
	subscriptions: ReadonlyArray<readonly [filter: string, qos: 0 | 1]>,
	topic: Topic,
	userId: string,
): -1 | 0 | 1 {
	const name = topicName(topic, userId);
	if (name === undefined) return -1;
	let qos = -1;
	for (const [filter, granted] of subscriptions) {
		if (granted > qos && filterMatches(filter, name)) qos = granted;
	}
	return qos < 0 ? -1 : (Math.min(qos, TOPIC_CAP[topic]) as 0 | 1);
}

/** A PUBLISH's topic name from user U: "messages" → {kind:"messages"}, "messages/V" → {kind:"direct", to:V} (V 1..64 chars), "signals" → {kind:"signals"}; undefined for anything else (presence, wildcards, other topics). */
export function publishTarget(
	topicName: string,
): { kind: "messages" } | { kind: "direct"; to: string } | { kind: "signals" } | undefined {
	if (topicName === "messages") return { kind: "messages" };
	if (topicName === "signals") return { kind: "signals" };
	if (topicName.startsWith("messages/")) {
		const to = topicName.slice("messages/".length);
		return nameableUser(to) ? { kind: "direct", to } : undefined;
	}
	return undefined;
}
