// The Deno reference: Deno.serve answering GET / with {"counter":N}, no metrics.
let counter = 0;
const server = Deno.serve(
  {
    port: Number(Deno.env.get("PORT") ?? 0),
    hostname: "127.0.0.1",
    onListen: ({ port }) => console.log(`deno reference listening on http://127.0.0.1:${port}`),
  },
  (request) => {
    if (request.method === "GET" && new URL(request.url).pathname === "/") {
      return new Response(`{"counter":${++counter}}`, { headers: { "content-type": "application/json" } });
    }
    return new Response(null, { status: 404 });
  },
);
Deno.addSignalListener("SIGTERM", () => server.shutdown().then(() => Deno.exit(0)));
