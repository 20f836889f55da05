import { runHttpConformance, serveOverHttp } from "@cell-counter/conformance";
import { createNodeListener } from "./index.js";

runHttpConformance("node", (service) => serveOverHttp(createNodeListener(service)));
