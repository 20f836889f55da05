// Preloaded in the growth run's server (with --expose-gc): on SIGUSR2, collect garbage and print
// the live heap, so that growth is measured on live objects rather than on uncollected garbage.
process.on("SIGUSR2", () => {
  globalThis.gc();
  console.log(`live heap ${process.memoryUsage().heapUsed}`);
});
