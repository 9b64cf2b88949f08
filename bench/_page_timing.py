"""What the benchmarks' browser pages stamp for themselves, read back by line_latency and phone_bridge.

Timed in the page (performance.timeOrigin + now, the same clock as the benchmark's time.time()), so
that the figures are what the psychologist's or the caller's browser lived, not when Playwright
happened to look.
"""

# Every websocket frame in and out, stamped before the page's own listeners run, with an error's
# code (a call the line refused is a failed run, never a slow sample): [type, when, "in"|"out", code].
STAMP_FRAMES = """(() => {
  window.__frames = [];
  const stamp = (data, way) => {
    try {
      const event = JSON.parse(data);
      window.__frames.push([event.type, performance.timeOrigin + performance.now(), way, event.code || null]);
    } catch (e) {}
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) { super(...args); this.addEventListener("message", (m) => stamp(m.data, "in")); }
    send(data) { stamp(data, "out"); return super.send(data); }
  };
})();"""

# Before each call: forget the frames of the calls before, so that each figure reads its own call's.
FORGET_FRAMES = "window.__frames = []"

# From the accept (or the tap): the first moment inbound audio bytes are on the page's peer
# connection, and on the way when its ICE and then DTLS were connected, to tell where the time goes.
# Polled every 5 ms from then only (during the ring a 5 ms poll would take a share of the cores the
# ring is measured on); one getStats at a time, never piling up.
WATCH_AUDIO = """() => {
  window.__firstAudio = null;
  window.__steps = {};
  const at = () => performance.timeOrigin + performance.now();
  const poll = async () => {
    const pc = window.ecoute.peerConnection();
    if (pc) {
      if (pc.iceConnectionState === "connected" || pc.iceConnectionState === "completed") window.__steps.ice_connected ??= at();
      if (pc.connectionState === "connected") window.__steps.dtls_connected ??= at();
      (await pc.getStats()).forEach((s) => {
        if (!window.__firstAudio && s.type === "inbound-rtp" && s.kind === "audio" && s.bytesReceived > 0) {
          window.__firstAudio = at();
        }
      });
    }
    if (!window.__firstAudio) setTimeout(poll, 5);
  };
  poll();
}"""

# The workspace has received call.ringing and shows its panel (read in one evaluation per look).
RANG = """window.__frames.some((f) => f[0] === "call.ringing" && f[2] === "in")
  && !document.querySelector("#workspace [data-show=ringing]").hidden"""
