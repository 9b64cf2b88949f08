// A websocket that speaks JSON events and comes back by itself after a network loss.
// The server is the truth: after every (re)connection, `onOpen` asks for a fresh picture.

export class Socket {
  constructor(path, { onOpen = () => {}, onClose = () => {} } = {}) {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    this.url = `${scheme}://${location.host}${path}`;
    this.handlers = new Map();
    this.onOpen = onOpen;
    this.onClose = onClose;
    this.retryDelay = 500;
    this.stopped = false;
    // What was sent while (re)connecting leaves as soon as the socket opens: a tap made the
    // instant the page appears must not be lost.
    this.waiting = [];
    this.connect();
  }

  connect() {
    this.ws = new WebSocket(this.url);
    this.ws.addEventListener("open", () => {
      this.retryDelay = 500;
      this.onOpen();
      for (const text of this.waiting.splice(0)) this.ws.send(text);
    });
    this.ws.addEventListener("message", (message) => {
      const event = JSON.parse(message.data);
      for (const handler of this.handlers.get(event.type) || []) handler(event);
    });
    this.ws.addEventListener("close", (close) => {
      this.onClose(close);
      // 4401: the staff session has ended; 4403: not allowed; 4409: this window was replaced by
      // another one. None comes back.
      if (this.stopped || close.code === 4401 || close.code === 4403 || close.code === 4409) return;
      setTimeout(() => this.connect(), this.retryDelay);
      this.retryDelay = Math.min(this.retryDelay * 2, 8000);
    });
  }

  on(type, handler) {
    if (!this.handlers.has(type)) this.handlers.set(type, []);
    this.handlers.get(type).push(handler);
    return this;
  }

  send(event) {
    const text = JSON.stringify(event);
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
    else if (!this.stopped) this.waiting.push(text);
  }

  get isOpen() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  stop() {
    this.stopped = true;
    this.ws.close();
  }
}

export function formatDuration(totalSeconds) {
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = Math.floor(totalSeconds % 60);
  return `${String(minutes).padStart(2, "0")}:${String(seconds).padStart(2, "0")}`;
}

// A call timer shown in ELEMENT, started now; returns a function that stops it.
export function startTimer(element) {
  const started = Date.now();
  element.textContent = "00:00";
  const interval = setInterval(() => { element.textContent = formatDuration((Date.now() - started) / 1000); }, 1000);
  return () => clearInterval(interval);
}
