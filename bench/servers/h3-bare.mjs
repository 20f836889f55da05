// A reference: a bare h3 v2 app answering GET / with {"counter":N}, no metrics, served like the
// h3 adapter (toNodeHandler on node:http). What h3 itself costs on this machine.
import { createServer } from "node:http";
import { H3, toNodeHandler } from "h3";

let counter = 0;
const app = new H3().get("/", (event) => {
  event.res.headers.set("content-type", "application/json");
  return `{"counter":${++counter}}`;
});
const server = createServer(toNodeHandler(app));
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(`h3 reference listening on http://127.0.0.1:${server.address().port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
