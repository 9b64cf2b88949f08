// What the caller's app (calls/line.js) and the psychologist's workspace (calls/workspace.js) share
// around a call: the far end's voice and what its connection state means, the mute button, the
// sounds made in the browser (nothing to download, and they stop the moment they should), the tab
// that says a call is ringing, and the hooks the browser tests read.

// The page's <audio id="remote-audio"> plays the far end; #call-audio-state says how the audio goes;
// the [data-action="mute"] button inside ROOT cuts and restores the microphone.
export class CallAudio {
  constructor({ root, states, muteLabels = null }) {
    this.element = document.getElementById("remote-audio");
    this.stateElement = document.getElementById("call-audio-state");
    this.muteButton = root.querySelector('[data-action="mute"]');
    this.states = states;
    this.muteLabels = muteLabels;  // [to mute, to unmute], or null to keep the button's own text
  }

  // What a PeerCall needs to play the voice and report its state here.
  peerOptions() {
    return { audio: this.element, onState: (state) => this.say(this.states[state] || "") };
  }

  say(text) {
    this.stateElement.textContent = text;
  }

  toggleMute(peer) {
    if (!peer) return;
    this.setMuted(peer, this.muteButton.getAttribute("aria-pressed") !== "true");
  }

  setMuted(peer, muted) {
    if (peer) peer.setMuted(muted);
    this.muteButton.setAttribute("aria-pressed", String(muted));
    if (this.muteLabels) this.muteButton.textContent = this.muteLabels[muted ? 1 : 0];
  }

  // The call is over: the button as it was, and no stream kept alive by the element.
  reset() {
    this.setMuted(null, false);
    this.element.srcObject = null;
  }
}

// One AudioContext per page, made or resumed during a tap (browsers keep audio silent until then).
let context = null;
export function primeAudio() {
  context = context || new AudioContext();
  context.resume().catch(() => {});
  return context;
}

// The French ringback the caller hears while it rings: 440 Hz, 1.5 s on, 3.5 s off.
export class Ringback {
  static FREQUENCY = 440;
  static ON_SECONDS = 1.5;
  static PERIOD_SECONDS = 5;

  start() {
    if (this.nodes) return;
    const audio = primeAudio();
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    const analyser = audio.createAnalyser();
    oscillator.frequency.value = Ringback.FREQUENCY;
    gain.gain.value = 0;
    oscillator.connect(gain).connect(audio.destination);
    gain.connect(analyser);
    oscillator.start();
    const burst = () => {
      const now = audio.currentTime;
      gain.gain.setTargetAtTime(0.12, now, 0.01);
      gain.gain.setTargetAtTime(0, now + Ringback.ON_SECONDS, 0.01);
    };
    burst();
    this.timer = setInterval(burst, Ringback.PERIOD_SECONDS * 1000);
    this.nodes = { oscillator, gain, analyser };
  }

  stop() {
    if (!this.nodes) return;
    clearInterval(this.timer);
    this.nodes.oscillator.stop();
    this.nodes.gain.disconnect();
    this.nodes = null;
  }

  get playing() {
    return Boolean(this.nodes);
  }

  // For the tests: the loudest frequency coming out now, in Hz, or null in silence.
  loudest() {
    if (!this.nodes) return null;
    const { analyser } = this.nodes;
    const levels = new Float32Array(analyser.frequencyBinCount);
    analyser.getFloatFrequencyData(levels);
    let best = 0;
    for (let i = 1; i < levels.length; i++) if (levels[i] > levels[best]) best = i;
    if (levels[best] < -70) return null;
    return (best * analyser.context.sampleRate) / analyser.fftSize;
  }
}

// The psychologist's ring: a soft two-tone beep every 1.5 s.
export class Ringtone {
  start() {
    const audio = primeAudio();
    const beep = () => {
      const now = audio.currentTime;
      for (const [offset, frequency] of [[0, 660], [0.25, 880]]) {
        const oscillator = audio.createOscillator();
        const gain = audio.createGain();
        oscillator.frequency.value = frequency;
        gain.gain.setValueAtTime(0.0001, now + offset);
        gain.gain.exponentialRampToValueAtTime(0.2, now + offset + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, now + offset + 0.22);
        oscillator.connect(gain).connect(audio.destination);
        oscillator.start(now + offset);
        oscillator.stop(now + offset + 0.25);
      }
    };
    beep();
    clearInterval(this.timer);
    this.timer = setInterval(beep, 1500);
  }

  stop() {
    clearInterval(this.timer);
  }
}

// A ringing call shows in the tab (its title and icon) until it stops, then the tab is as it was.
export class RingingTab {
  constructor({ title, icon }) {
    this.title = title;
    this.icon = icon;
    this.link = document.querySelector('link[rel="icon"]');
    this.saved = null;
  }

  start() {
    if (this.saved) return;
    this.saved = { title: document.title, icon: this.link && this.link.href };
    document.title = `${this.title} — ${this.saved.title}`;
    if (this.link) this.link.href = this.icon;
  }

  stop() {
    if (!this.saved) return;
    document.title = this.saved.title;
    if (this.link) this.link.href = this.saved.icon;
    this.saved = null;
  }
}

// What the browser tests (and support) may read of a page's call: its peer connection, its state,
// its ringback, and what the page adds (MORE); nothing else.
export function exposeForTests({ peer, state, ringback = null, ...more }) {
  window.ecoute = {
    peerConnection: () => peer() && peer().pc,
    state,
    ringback: () => ({ playing: Boolean(ringback && ringback.playing), loudest: ringback ? ringback.loudest() : null }),
    ...more,
  };
}
