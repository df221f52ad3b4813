// The /live Socket.IO connection (websocket only: no sticky sessions needed behind several web processes).
import { io } from "socket.io-client";

export const LIVE_EVENTS = ["case.created", "case.updated", "message.created", "relay.updated"];

// connectLive(token, {onEvent(name, event), onStatus(connected)}) → {watch(id), unwatch(id), close()}
export function connectLive(token, { onEvent, onStatus }) {
  const socket = io("/live", { transports: ["websocket"], auth: { token }, reconnectionDelayMax: 5000 });
  let watching = null;
  socket.on("connect", () => {
    onStatus(true);
    // Rooms are per connection: after a reconnect, watch the open case again.
    if (watching) socket.emit("watch", { report_id: watching });
  });
  socket.on("disconnect", () => onStatus(false));
  socket.on("connect_error", () => onStatus(false));
  for (const name of LIVE_EVENTS) socket.on(name, (event) => onEvent(name, event));
  return {
    watch(reportId) {
      if (watching && watching !== reportId) socket.emit("unwatch", { report_id: watching });
      watching = reportId;
      if (reportId && socket.connected) socket.emit("watch", { report_id: reportId });
    },
    close() {
      socket.close();
    },
  };
}
