/** The two operations beside the increment, each on its own route, counted by its own metrics. */
export type Operation = "checkpoint" | "restore";
