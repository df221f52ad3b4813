// Live case updates while the app is open: Socket.IO /live (websocket only), the reporter's own room.
import { io } from "socket.io-client";
import { kvGet } from "./store.js";
import { pullFeed, storeEvents } from "./flush.js";

let socket = null;

/** Connect once there is a token; events are stored like pulled ones, then `onEvent` may alert the user. */
export async function connectLive(onEvent) {
  if (socket) return socket;
  const token = await kvGet("token");
  if (!token) return null;
  socket = io("/live", { auth: { token }, transports: ["websocket"], reconnectionDelayMax: 30000 });
  const handle = async (event) => {
    await storeEvents([event]);
    onEvent?.(event);
  };
  for (const name of ["case.updated", "message.created", "relay.updated", "case.created"]) socket.on(name, handle);
  // After a reconnect, pull what was missed while the socket was down.
  socket.on("connect", () => pullFeed().catch(() => null));
  socket.on("connect_error", async (err) => {
    if (err?.message === "unauthorized") {
      socket.disconnect();
      socket = null;
    }
  });
  return socket;
}

export function disconnectLive() {
  socket?.disconnect();
  socket = null;
}
