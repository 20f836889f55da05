import {
  CounterError,
  type CounterStorage,
  checkpointNotFound,
  type ErrorCode,
  isCounterError,
  nextCounter,
  parseCheckpoint,
  parseCounter,
  STATUS_BY_CODE,
  serializeCheckpoint,
} from "@cell-counter/core";

/** What this package needs of a Durable Object namespace binding (`env.COUNTER`). */
export interface CounterNamespace {
  idFromName(name: string): unknown;
  get(id: never): { fetch(input: string, init?: RequestInit): Promise<Response> };
}

/** What this package needs of a Durable Object's state (`ctx` in its constructor). */
export interface CounterObjectState {
  storage: {
    get<T>(key: string): Promise<T | undefined>;
    put(entries: Record<string, unknown>): Promise<void>;
  };
  blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T>;
}

export interface DurableObjectStorageOptions {
  /** The object's name: one counter per name. Default `cell-counter`. */
  name?: string;
  /** Longest wait for the object, in ms. Default 1000. */
  timeoutMs?: number;
}

export interface DurableObjectCounterStorage extends CounterStorage {
  readonly kind: "durable-object";
  /** Saves a checkpoint file's text as it is (a checkpoint moved from another storage); read by the core's codec at the next restore. */
  importCheckpoint(text: string): Promise<void>;
}

type Operation = "increment" | "current" | "checkpoint" | "restore" | "ready" | "import";

/** The object's answer: a value's digits, or the contract's error, carried across the call as data. */
type Outcome = { value: string } | { code: ErrorCode; message: string };

/**
 * The Durable Object holding one counter and its checkpoint in its transactional storage:
 * `counter` (decimal digits, exact to 2^63−1) and `checkpoint` (the core codec's text). A Durable
 * Object runs one request at a time on its state, so an increment is a read and a write that
 * nothing interleaves with. Export it from your worker and bind it (see the README).
 */
export class CounterObject {
  readonly #state: CounterObjectState;
  #counter = 0n;

  constructor(state: CounterObjectState, _env?: unknown) {
    this.#state = state;
    state.blockConcurrencyWhile(async () => {
      this.#counter = BigInt((await state.storage.get<string>("counter")) ?? "0");
    });
  }

  async fetch(request: Request): Promise<Response> {
    const operation = new URL(request.url).pathname.slice(1) as Operation;
    let outcome: Outcome;
    try {
      outcome = { value: String(await this.#run(operation, request)) };
    } catch (error) {
      outcome = isCounterError(error)
        ? { code: error.code, message: error.message }
        : { code: "INTERNAL", message: error instanceof Error ? error.message : String(error) };
    }
    return Response.json(outcome);
  }

  async #run(operation: Operation, request: Request): Promise<bigint | string> {
    const { storage } = this.#state;
    switch (operation) {
      case "increment": {
        const next = nextCounter(this.#counter);
        await storage.put({ counter: String(next) });
        this.#counter = next;
        return next;
      }
      case "current":
      case "ready":
        return this.#counter;
      case "checkpoint":
        await storage.put({ checkpoint: serializeCheckpoint(this.#counter, new Date()) });
        return this.#counter;
      case "restore": {
        const text = await storage.get<string>("checkpoint");
        if (text === undefined) throw checkpointNotFound();
        const value = parseCheckpoint(text);
        await storage.put({ counter: String(value) });
        this.#counter = value;
        return value;
      }
      case "import":
        await storage.put({ checkpoint: await request.text() });
        return "";
      default:
        throw new CounterError("INTERNAL", `No such operation: ${String(operation)}.`);
    }
  }
}

/**
 * The storage port on a Durable Object: every call builds a fresh stub from the binding (a stub
 * kept from another request cannot be used), and the object's errors come back with their codes.
 * Build it inside `fetch(request, env)`, where the binding exists.
 */
export function createDurableObjectStorage(
  namespace: CounterNamespace,
  options: DurableObjectStorageOptions = {},
): DurableObjectCounterStorage {
  const name = options.name ?? "cell-counter";
  const timeoutMs = options.timeoutMs ?? 1_000;

  async function call(operation: Operation, what: string, body?: string): Promise<string> {
    const stub = namespace.get(namespace.idFromName(name) as never);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let response: Response;
    try {
      response = await Promise.race([
        stub.fetch(`https://counter/${operation}`, { method: "POST", body }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
        }),
      ]);
    } catch (error) {
      // The call left: whether the object ran it is not known.
      throw new CounterError(
        "STORAGE_TIMEOUT",
        `${what}: the Durable Object did not answer within ${timeoutMs} ms, after the call was made; it may have been applied.`,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
    const outcome = (await response.json()) as Outcome;
    if ("code" in outcome && Object.hasOwn(STATUS_BY_CODE, outcome.code)) {
      throw new CounterError(outcome.code, outcome.message);
    }
    return (outcome as { value: string }).value;
  }

  const counter = async (operation: Operation, what: string) => {
    const value = parseCounter(await call(operation, what));
    if (value === undefined)
      throw new CounterError("COUNTER_CORRUPT", `${what}: the Durable Object answered no counter.`);
    return value;
  };

  return {
    kind: "durable-object",
    increment: () => counter("increment", "The counter could not be incremented"),
    current: () => counter("current", "The counter could not be read"),
    checkpoint: () => counter("checkpoint", "The checkpoint could not be saved"),
    restore: () => counter("restore", "The checkpoint could not be restored"),
    ready: async () => {
      await call("ready", "The Durable Object does not answer");
    },
    importCheckpoint: async (text) => {
      await call("import", "The checkpoint could not be imported", text);
    },
  };
}
