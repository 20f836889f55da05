import { runHttpConformance, serveOverHttp } from "@cell-counter/testkit";
import { createNodeListener } from "./index.js";

runHttpConformance("node", (service) => serveOverHttp(createNodeListener(service)));
