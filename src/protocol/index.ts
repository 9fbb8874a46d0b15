/** The room protocol: one module for the server, the client library and the tests. */
export * from "./constants";
export * from "./schemas";
export type * from "./types";
export * from "./frames";
