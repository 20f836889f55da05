// cell-counter as a Cloudflare module worker: the counter and its checkpoint in one Durable Object,
// shared by every isolate. `npx wrangler deploy` with the wrangler.jsonc beside this file.
import { createService } from "@cell-counter/core";
import { type CounterNamespace, CounterObject, createDurableObjectStorage } from "@cell-counter/storage-durable-object";

export { CounterObject };

interface Env {
  COUNTER: CounterNamespace;
  API_TOKEN?: string;
}

export default {
  // The binding exists only here, in a request: the storage is made for each one (it is cheap).
  fetch(request: Request, env: Env): Promise<Response> {
    const storage = createDurableObjectStorage(env.COUNTER);
    return createService({ storage, apiToken: env.API_TOKEN || undefined }).fetch(request);
  },
};
