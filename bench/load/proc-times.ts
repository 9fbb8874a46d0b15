/**
 * What the kernel says a server process did during a step, from each thread's
 * /proc/PID/task/TID/schedstat (in ns): its CPU time, and how long its busiest thread waited for a
 * CPU while it could have run (its run-queue wait). On a machine shared with
 * other work, the second is the time the server lost to the others: subtracting it from a step's
 * length leaves the time the server had, whatever it did with it (ran, waited for storage or for
 * input), so a rate over that time does not move with the machine's other load.
 */
import { readdirSync, readFileSync } from "node:fs";

/** User and system CPU seconds used so far by one process (all threads, 10 ms ticks); throws once it is gone. */
export function processCpu(pid: number): { user: number; system: number } {
	const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
	const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
	return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

/** Per thread: nanoseconds run and waited on a run queue so far. */
export type ThreadTimes = Map<string, { runNs: number; waitNs: number }>;

export function threadTimes(pids: number[]): ThreadTimes {
	const times: ThreadTimes = new Map();
	for (const pid of pids) {
		let tids: string[];
		try {
			tids = readdirSync(`/proc/${pid}/task`);
		} catch {
			continue;
		}
		for (const tid of tids) {
			try {
				const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ");
				times.set(`${pid}/${tid}`, { runNs: Number(run), waitNs: Number(wait) });
			} catch {
				// the thread ended
			}
		}
	}
	return times;
}

/**
 * Between two readings: the CPU seconds all threads ran, to the nanosecond. /proc/PID/stat counts
 * in 10 ms ticks, 2 % of a fixed step's CPU; schedstat does not round. A thread that started in
 * between counts from zero; one that ended in between is missing from `after` and its last
 * moments are lost (workerd's and Node's threads live as long as the process).
 */
export function cpuSecondsBetween(before: ThreadTimes, after: ThreadTimes): number {
	let runNs = 0;
	for (const [tid, end] of after) runNs += end.runNs - (before.get(tid)?.runNs ?? 0);
	return runNs / 1e9;
}

/** Between two readings: the run-queue wait (s) of the thread that ran the most. */
export function busiestThreadWait(before: ThreadTimes, after: ThreadTimes): number {
	let most = -1;
	let waitNs = 0;
	for (const [tid, end] of after) {
		const start = before.get(tid) ?? { runNs: 0, waitNs: 0 };
		if (end.runNs - start.runNs > most) {
			most = end.runNs - start.runNs;
			waitNs = end.waitNs - start.waitNs;
		}
	}
	return waitNs / 1e9;
}
