/** The standalone deployment: the Worker (src/worker/app.ts, built on the rooms library) and the Room Durable Object class. */
import { app } from "./worker/app";

export { Room } from "./room/room";

export default app;
