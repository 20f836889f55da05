// The Bun reference: Bun.serve answering GET / with {"counter":N}, no metrics.
let counter = 0;
const server = Bun.serve({
  port: Number(process.env.PORT ?? 0),
  hostname: "127.0.0.1",
  fetch(request) {
    if (request.method === "GET" && new URL(request.url).pathname === "/") {
      return new Response(`{"counter":${++counter}}`, { headers: { "content-type": "application/json" } });
    }
    return new Response(null, { status: 404 });
  },
});
console.log(`bun reference listening on http://127.0.0.1:${server.port}`);
process.on("SIGTERM", () => server.stop().then(() => process.exit(0)));
