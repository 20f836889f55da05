/** The version of cell-counter, reported by the build-info metric; kept equal to package.json's by a test. */
export const VERSION = "0.1.0";
