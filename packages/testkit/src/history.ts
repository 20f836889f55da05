/**
 * A fault-injection run's record, and the checker of its promises (as Jepsen checks a history):
 * every operation a client sent, when it started and ended (the client's clock, ms), and what came back.
 */
export interface Operation {
  kind: "increment" | "checkpoint" | "restore";
  /** Which service process answered it: crashes are per process. */
  process: string;
  start: number;
  end: number;
  /** The HTTP status; 0 when no answer came (the connection failed). */
  status: number;
  /** The error's `code`; with status 0, the client's error (`ECONNREFUSED`, `ECONNRESET`…). */
  code?: string;
  /** The counter of a 2xx answer. */
  value?: bigint;
}

/** A service process killed at `from` and serving again at `to`: connections it dropped then are explained. */
export interface Crash {
  process: string;
  from: number;
  to: number;
}

export interface HistoryFacts {
  /** The counter read once every operation had ended and the faults had healed. */
  final: bigint;
  /** The counter before the first operation; 0 unless said. */
  initial?: bigint;
  crashes?: readonly Crash[];
}

export interface Problem {
  rule: "duplicate" | "lost" | "extra" | "order" | "failure" | "checkpoint" | "restore";
  message: string;
}

/** Failures the contract allows when storage misbehaves: the outcome is known to be nothing, or unknown. */
const STORAGE_FAILURES: Readonly<Record<number, string>> = { 503: "STORAGE_UNAVAILABLE", 504: "STORAGE_TIMEOUT" };

/** Client errors that say the request never reached a process (nothing applied), or was cut with it. */
const REFUSED = "ECONNREFUSED";

const ok = (operation: Operation) => operation.status >= 200 && operation.status < 300;

/**
 * Checks a whole history against the counter's promises:
 * - no value appears in two 2xx answers to an increment (unless a restore may lie between them);
 * - nothing acknowledged is lost: every 2xx increment after the last restore is at most `final`;
 * - nothing is applied that was refused or applied twice: with no restore, `final` is at most
 *   `initial` plus the increments acknowledged or of unknown outcome (504, a connection cut);
 * - real-time order: an increment that ended before another began has the smaller value;
 * - every failure is 503 `STORAGE_UNAVAILABLE` or 504 `STORAGE_TIMEOUT`, or a connection that a
 *   crash of its process explains;
 * - a checkpoint's value is at least every increment acknowledged before it began, and below every
 *   one that began after it ended; a restore's value is one a checkpoint could have saved.
 * A restore (answered or not) that may have run between two operations excuses their comparison.
 */
export function checkHistory(history: readonly Operation[], facts: HistoryFacts): Problem[] {
  const problems: Problem[] = [];
  const restores = history.filter((operation) => operation.kind === "restore" && !refused(operation));
  /** A restore may have taken effect after `earlier` began and before `later` ended. */
  const restoreBetween = (earlier: Operation, later: Operation) =>
    restores.some(
      (restore) => restore !== earlier && restore !== later && restore.start < later.end && restore.end > earlier.start,
    );
  const increments = history.filter((operation) => operation.kind === "increment" && ok(operation));

  for (const operation of history) {
    if (ok(operation)) continue;
    if (STORAGE_FAILURES[operation.status] === operation.code) continue;
    const crash = facts.crashes?.find(
      (crash) => crash.process === operation.process && operation.end >= crash.from && operation.start <= crash.to,
    );
    if (operation.status === 0 && crash) continue;
    problems.push({
      rule: "failure",
      message: `${describe(operation)} is not an answer a storage fault allows`,
    });
  }

  const byValue = new Map<bigint, Operation[]>();
  for (const increment of increments) {
    const same = byValue.get(increment.value as bigint);
    if (same) same.push(increment);
    else byValue.set(increment.value as bigint, [increment]);
  }
  for (const [value, same] of byValue) {
    for (let i = 1; i < same.length; i++) {
      const [earlier, later] = [same[i - 1] as Operation, same[i] as Operation];
      if (!restoreBetween(earlier, later)) {
        problems.push({
          rule: "duplicate",
          message: `${value} answered twice: ${describe(earlier)} and ${describe(later)}`,
        });
      }
    }
  }

  const lastRestoreEnd = Math.max(Number.NEGATIVE_INFINITY, ...restores.map((restore) => restore.end));
  for (const increment of increments) {
    if (increment.start > lastRestoreEnd && (increment.value as bigint) > facts.final) {
      problems.push({
        rule: "lost",
        message: `${describe(increment)} was acknowledged, but the final counter is ${facts.final}`,
      });
    }
  }

  if (restores.length === 0) {
    const possible = history.filter((operation) => operation.kind === "increment" && !refused(operation)).length;
    const most = (facts.initial ?? 0n) + BigInt(possible);
    if (facts.final > most) {
      problems.push({
        rule: "extra",
        message: `the final counter is ${facts.final}, above the ${most} that the acknowledged and unknown increments explain`,
      });
    }
  }

  // Sorted by end, the increments that ended before one began are a prefix: its largest value must be below it.
  const byEnd = [...increments].sort((a, b) => a.end - b.end);
  const largest: Operation[] = [];
  for (const increment of byEnd) {
    const before = largest.at(-1);
    largest.push(before && (before.value as bigint) > (increment.value as bigint) ? before : increment);
  }
  for (const later of increments) {
    const ended = endedBefore(byEnd, later.start);
    if (ended === 0) continue;
    const earlier = largest[ended - 1] as Operation;
    if ((earlier.value as bigint) < (later.value as bigint)) continue;
    const culprit =
      restores.length === 0
        ? earlier
        : byEnd
            .slice(0, ended)
            .find((one) => (one.value as bigint) >= (later.value as bigint) && !restoreBetween(one, later));
    if (culprit)
      problems.push({ rule: "order", message: `${describe(culprit)} ended before ${describe(later)} began` });
  }

  const checkpoints = history.filter((operation) => operation.kind === "checkpoint");
  for (const checkpoint of checkpoints.filter(ok)) {
    const saved = checkpoint.value as bigint;
    for (const increment of increments) {
      if (restoreBetween(increment, checkpoint) || restoreBetween(checkpoint, increment)) continue;
      const value = increment.value as bigint;
      if (increment.end < checkpoint.start && value > saved) {
        problems.push({
          rule: "checkpoint",
          message: `${describe(checkpoint)} saved less than ${describe(increment)}, acknowledged before it`,
        });
      } else if (increment.start > checkpoint.end && value <= saved) {
        problems.push({
          rule: "checkpoint",
          message: `${describe(checkpoint)} saved ${describe(increment)}, which began after it`,
        });
      }
    }
  }
  for (const restore of restores.filter(ok)) {
    const explained = checkpoints.some(
      (checkpoint) =>
        checkpoint.start < restore.end &&
        !refused(checkpoint) &&
        (!ok(checkpoint) || checkpoint.value === restore.value),
    );
    if (!explained)
      problems.push({ rule: "restore", message: `${describe(restore)} restored a value no checkpoint saved` });
  }
  return problems;
}

/** How many of `byEnd` (sorted by end) ended before `time`. */
function endedBefore(byEnd: readonly Operation[], time: number): number {
  let [low, high] = [0, byEnd.length];
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((byEnd[middle] as Operation).end < time) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** An operation that certainly did nothing: refused by the storage before it was sent, or by a process that was down. */
function refused(operation: Operation): boolean {
  return operation.status === 503 || (operation.status === 0 && operation.code === REFUSED);
}

function describe(operation: Operation): string {
  const outcome = ok(operation) ? `= ${operation.value}` : `${operation.status} ${operation.code ?? ""}`.trim();
  return `${operation.kind} on ${operation.process} [${operation.start}, ${operation.end}] ${outcome}`;
}
