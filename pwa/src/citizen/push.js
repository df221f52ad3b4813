// Web Push: offered after the first report (with the reason), so police replies reach a closed app.
import { request } from "../lib/api.js";
import { kvGet, kvSet } from "./store.js";

function keyBytes(base64url) {
  const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

export const pushSupported = () => "PushManager" in window && "Notification" in window && !!navigator.serviceWorker;

/** Whether to show the "turn on notifications?" card now. */
export async function shouldOfferPush() {
  if (!pushSupported() || Notification.permission === "denied") return false;
  if ((await kvGet("push_state")) || Notification.permission === "granted") return false;
  return true;
}

export async function declinePush() {
  await kvSet("push_state", "declined");
}

/** Ask permission, subscribe with the server's VAPID key, register the subscription. */
export async function subscribePush() {
  const permission = await Notification.requestPermission();
  if (permission !== "granted") {
    await kvSet("push_state", "declined");
    return false;
  }
  const token = await kvGet("token");
  const { public_key: publicKey } = await request("/push/key", { token });
  const registration = await navigator.serviceWorker.ready;
  const subscription =
    (await registration.pushManager.getSubscription()) ||
    (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) }));
  const json = subscription.toJSON();
  await request("/push/subscriptions", { method: "POST", token, body: { endpoint: json.endpoint, keys: json.keys } });
  await kvSet("push_state", "subscribed");
  return true;
}
