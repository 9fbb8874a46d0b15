/**
 * A page of a room's users (1.3): at most `limit` of them in roster order (earliest joiner first,
 * then by userId), after a place in that order. The place is a user's (joinedAt, userId), not an
 * index: a user who left between two pages is simply not on the next, and one who joined since
 * comes at the end. Pure.
 */
import { encodeUsersCursor, type User, type UsersPage, type UsersPosition, type UsersQuery } from "../protocol";

/** Roster order between places: earlier `joinedAt` first, then the smaller `userId`. */
function comparePositions(a: UsersPosition, b: UsersPosition): number {
	return a.joinedAt - b.joinedAt || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0);
}

/** The index of the first of `users` (in roster order) that comes after `after`. */
function firstAfter(users: readonly User[], after: UsersPosition): number {
	let low = 0;
	let high = users.length;
	while (low < high) {
		const middle = (low + high) >>> 1;
		if (comparePositions(users[middle] as User, after) <= 0) low = middle + 1;
		else high = middle;
	}
	return low;
}

/** The users of a page, and the place of the last of them when more follow. */
export function pageOfUsers(
	users: readonly User[],
	query: UsersQuery,
): { users: readonly User[]; next: UsersPosition | undefined } {
	const start = query.after ? firstAfter(users, query.after) : 0;
	const end = query.limit === undefined ? users.length : Math.min(users.length, start + query.limit);
	if (start === 0 && end === users.length) return { users, next: undefined };
	const page = users.slice(start, end);
	const last = page[page.length - 1];
	const next = end < users.length && last ? { joinedAt: last.joinedAt, userId: last.userId } : undefined;
	return { users: page, next };
}

/** The body of `GET /rooms/:room/users`: the page, the whole room's `userCount`, and a cursor when more follow. */
export function usersPageOf(room: string, users: readonly User[], userCount: number, query: UsersQuery): UsersPage {
	const page = pageOfUsers(users, query);
	const body: UsersPage = { room, users: page.users, userCount };
	if (page.next) body.cursor = encodeUsersCursor(room, page.next);
	return body;
}
