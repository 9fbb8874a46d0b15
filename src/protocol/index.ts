/** The room protocol: one module for the server, the client library and the tests. */
export * from "./access";
export * from "./client-events";
export * from "./constants";
export * from "./directory";
export * from "./frames";
export * from "./json-value";
export * from "./parse-frame";
export * from "./protocol-error";
export * from "./queries";
export * from "./room-events";
export * from "./schemas";
export type * from "./types";
export * from "./users-query";
export * from "./version";
export * from "./webhook-signature";
