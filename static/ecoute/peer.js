// One side of a WebRTC voice call. The server hands out the ICE configuration (with TURN
// credentials and a relay-only policy when a TURN server is configured) and relays signals.

export async function openMicrophone() {
  return navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    video: false,
  });
}

export class PeerCall {
  // sendSignal(signal) sends to the other party through the server; audio plays the far end.
  constructor({ ice, microphone, sendSignal, audio, onState = () => {} }) {
    this.pc = new RTCPeerConnection({ iceServers: ice.iceServers, iceTransportPolicy: ice.iceTransportPolicy });
    this.sendSignal = sendSignal;
    this.microphone = microphone;
    this.pendingCandidates = [];
    for (const track of microphone.getAudioTracks()) this.pc.addTrack(track, microphone);
    this.pc.addEventListener("icecandidate", (event) => {
      this.sendSignal({ candidate: event.candidate ? event.candidate.toJSON() : null });
    });
    this.pc.addEventListener("track", (event) => {
      audio.srcObject = event.streams[0] || new MediaStream([event.track]);
      audio.play().catch(() => {});
    });
    this.pc.addEventListener("connectionstatechange", () => onState(this.pc.connectionState));
  }

  async call() {
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    this.sendSignal({ description: { type: offer.type, sdp: offer.sdp } });
  }

  async receive(signal) {
    if (signal.description) {
      await this.pc.setRemoteDescription(signal.description);
      for (const candidate of this.pendingCandidates.splice(0)) await this.pc.addIceCandidate(candidate);
      if (signal.description.type === "offer") {
        const answer = await this.pc.createAnswer();
        await this.pc.setLocalDescription(answer);
        this.sendSignal({ description: { type: answer.type, sdp: answer.sdp } });
      }
    } else if ("candidate" in signal && signal.candidate) {
      if (this.pc.remoteDescription) await this.pc.addIceCandidate(signal.candidate);
      else this.pendingCandidates.push(signal.candidate);
    }
  }

  setMuted(muted) {
    for (const track of this.microphone.getAudioTracks()) track.enabled = !muted;
  }

  close() {
    this.pc.close();
    for (const track of this.microphone.getTracks()) track.stop();
  }
}
