// Getting a dispatcher's attention: a beep (WebAudio, no file), the tab title, and Web Push on this browser.
const SOUND_KEY = "lianbao.console.sound";
let audio = null;

export function soundEnabled() {
  return localStorage.getItem(SOUND_KEY) !== "off";
}

export function setSoundEnabled(on) {
  localStorage.setItem(SOUND_KEY, on ? "on" : "off");
}

// Browsers only let audio start after a user gesture; the first click or key press unlocks it.
export function unlockAudio() {
  const unlock = () => {
    if (!audio && (window.AudioContext || window.webkitAudioContext)) audio = new (window.AudioContext || window.webkitAudioContext)();
    audio?.resume?.();
  };
  window.addEventListener("pointerdown", unlock, { once: true });
  window.addEventListener("keydown", unlock, { once: true });
}

// Two short high tones for an alarm, one for anything else.
export function beep(urgent) {
  if (!soundEnabled() || !audio) return;
  const tones = urgent ? [0, 0.25] : [0];
  for (const start of tones) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = "square";
    osc.frequency.value = urgent ? 1046 : 784;
    gain.gain.setValueAtTime(0.15, audio.currentTime + start);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + start + 0.2);
    osc.connect(gain).connect(audio.destination);
    osc.start(audio.currentTime + start);
    osc.stop(audio.currentTime + start + 0.21);
  }
}

export function setTitleCount(base, count) {
  document.title = count > 0 ? `(${count}) ${base}` : base;
}

function b64urlToBytes(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

export function pushSupported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

export async function pushActive() {
  if (!pushSupported()) return false;
  const registration = await navigator.serviceWorker.getRegistration("/");
  return Boolean(await registration?.pushManager.getSubscription());
}

// Subscribe this browser and tell the server; `api` is the signed-in request function.
export async function enablePush(api) {
  if (!pushSupported()) throw new Error("unsupported");
  if ((await Notification.requestPermission()) !== "granted") throw new Error("denied");
  // The one service worker of the app (sw.js) carries the push handlers (see sw-push.js).
  const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  await navigator.serviceWorker.ready;
  const { public_key: key } = await api("/push/key");
  let subscription = await registration.pushManager.getSubscription();
  if (subscription) {
    const current = subscription.options?.applicationServerKey;
    const same = current && btoa(String.fromCharCode(...new Uint8Array(current))) === btoa(String.fromCharCode(...b64urlToBytes(key)));
    if (!same) {
      await subscription.unsubscribe();
      subscription = null;
    }
  }
  subscription ||= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: b64urlToBytes(key) });
  const json = subscription.toJSON();
  await api("/push/subscriptions", { method: "POST", body: { endpoint: json.endpoint, keys: json.keys } });
}
