// The limit: a bare node:http server answering GET / with {"counter":N}, no metrics.
import { createServer } from "node:http";

let counter = 0;
const server = createServer((request, response) => {
  if (request.method === "GET" && request.url === "/") {
    const body = `{"counter":${++counter}}`;
    response.writeHead(200, { "content-type": "application/json", "content-length": body.length });
    response.end(body);
    return;
  }
  response.writeHead(404).end();
});
server.keepAliveTimeout = 5_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(`baseline listening on http://127.0.0.1:${server.address().port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
