// mqtt-packet's `require("buffer")` in the edge-rooms/server build (tsdown.config.ts): an ES import of
// the runtime's module (nodejs_compat), since a bundled require of an external has no `require` in a Worker.
export { Buffer } from "node:buffer";
