/** Entry point: the Worker's fetch handler and the Room Durable Object class. */
import { app } from "./worker/app";

export { Room } from "./room/room";

export default app;
