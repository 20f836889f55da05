// prom-client's default collectors, one module each (the package has no `exports` map and no types
// for them): each registers its metrics in `registry`, as `collectDefaultMetrics` calls it.
declare module "prom-client/lib/metrics/*.js" {
  import type { Registry } from "prom-client";

  const register: (registry: Registry, config: { labels?: Record<string, string> }) => void;
  export default register;
}
