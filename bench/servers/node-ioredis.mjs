// The Redis peer: node:http and ioredis, one INCR per request, no metrics.
import { createServer } from "node:http";
import Redis from "ioredis";

const redis = new Redis(process.env.REDIS_URL);
const server = createServer(async (request, response) => {
  if (request.method === "GET" && request.url === "/") {
    const body = `{"counter":${await redis.incr("peer:counter")}}`;
    response.writeHead(200, { "content-type": "application/json", "content-length": body.length });
    response.end(body);
    return;
  }
  response.writeHead(404).end();
});
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(`node:http + ioredis listening on http://127.0.0.1:${server.address().port}`);
});
process.on("SIGTERM", () => server.close(() => redis.quit().then(() => process.exit(0))));
