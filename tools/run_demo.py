"""Start the whole platform on the embedded defaults: Écoute on :8000 and, if installed, coturn on loopback
and the phone line (Kamailio's SIP edge on :5060, the media agent behind it, prompts made at start)."""

import os
import secrets
import shutil
import signal
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import coturn_loopback  # noqa: E402
import make_prompts  # noqa: E402
import sip_edge  # noqa: E402
from server_command import ROOT, uvicorn_command  # noqa: E402

HOST, PORT, TURN_PORT = (
    "127.0.0.1",
    int(os.environ.get("PORT", "8000")),
    int(os.environ.get("TURN_PORT", "3478")),
)
PASSWORD = "ecoute-demo-2026"
SIP_PORT, MEDIA_PORT = int(os.environ.get("SIP_PORT", "5060")), int(os.environ.get("SIP_MEDIA_PORT", "5080"))


def start_phone_line(env: dict) -> tuple[list[subprocess.Popen], str]:
    """The numéro vert on loopback, when its parts are installed: the edge, then the media agent."""
    missing = [tool for tool in ("kamailio", "espeak-ng", "sox") if not shutil.which(tool)]
    try:
        import pjsua2  # noqa: F401
    except ImportError:
        missing.append("pjsua2-python")
    if missing:
        return [], f"The phone line is off: {', '.join(missing)} missing (make system-test-deps)."
    make_prompts.make()
    secret = secrets.token_hex(20)
    env["ECOUTE_TELEPHONY_SECRET"] = secret
    edge = sip_edge.start(sip_edge.EdgeSettings(edge_port=SIP_PORT, media_port=MEDIA_PORT))
    agent = subprocess.Popen(
        [sys.executable, "-m", "ecoute.telephony.agent"],
        cwd=ROOT,
        env={
            **env,
            "ECOUTE_TELEPHONY_URL": f"ws://{HOST}:{PORT}/ws/telephony/",
            "ECOUTE_SIP_MEDIA_PORT": str(MEDIA_PORT),
        },
    )
    return [edge, agent], (
        f"Call the line (numéro vert) from this machine: the SIP edge listens on port {SIP_PORT}.\n"
        f"      .venv/bin/python tools/call_the_line.py --edge localhost:{SIP_PORT} --seconds 120\n"
        "  (add --digits 2 for English, --digits 1 for « in danger »), or point a SIP softphone at\n"
        f"  sip:0805232336@localhost:{SIP_PORT}. A psychologist available in the workspace answers it."
    )


def main() -> int:
    # A plain `kill` must stop coturn too: turn SIGTERM into an exit that runs the cleanup below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    env = dict(os.environ, DJANGO_DEBUG="1", DJANGO_SECURE_COOKIES="0")
    coturn = None
    if shutil.which("turnserver"):
        secret = secrets.token_hex(16)
        coturn = coturn_loopback.start(TURN_PORT, secret)
        env.update(ECOUTE_TURN_URLS=f"turn:127.0.0.1:{TURN_PORT}?transport=udp", ECOUTE_TURN_SECRET=secret)
        relay = f"coturn relays the media on this machine (port {TURN_PORT})"
    else:
        relay = (
            "coturn is not installed: media goes directly between the two windows (apt-get install coturn)"
        )
    phone_parts, phone = start_phone_line(env)
    print(
        f"""
  Écoute is running.

  Caller app (no account):      http://localhost:{PORT}/
  Psychologist workspace:       http://localhost:{PORT}/espace/     e.g. claire / {PASSWORD}
  Supervision board (queue):    http://localhost:{PORT}/supervision/   cadre / {PASSWORD}
  Administration:               http://localhost:{PORT}/admin/      admin / {PASSWORD}
  Statistics (a demo year):     http://localhost:{PORT}/statistiques/   stats / {PASSWORD}; public: /chiffres/
  Prevention programme:         http://localhost:{PORT}/programme/   staff: /espace/programme/   programme / {PASSWORD}
                                (its e-mails are printed on this console unless EMAIL_HOST is set)
                                trained people: /espace/programme/sentinelles/
  Self-help:                    http://localhost:{PORT}/ressources/  /auto-tests/  /temoignages/  /etudes/
                                sheets: /redaction/ redaction / {PASSWORD}; testimonies: /moderation/ moderation / {PASSWORD}
  Rota:                         availability: /espace/disponibilites/ (claire); planning: /espace/planning/ (cadre)
  Callers' feedback:            asked on the caller's screen after an answered call; read at
                                /espace/retours-des-appelants/ (claire or cadre)
  Second factor of every demo account: the code printed by
      DJANGO_DEBUG=1 .venv/bin/python manage.py demo_code

  Try the line on one machine: open the workspace in one window (log in as claire, press
  "Disponible"), and the caller app in another (a private window or another browser). Claire turns
  green on the board; tap her, accept in the workspace, and you are talking.
  {relay}.
  {phone}
  Stop with Ctrl-C.
""",
        flush=True,
    )
    # Follow-up reminders by Web Push: a VAPID key pair of the demo's own, unless one is given.
    if not env.get("ECOUTE_VAPID_PRIVATE_KEY"):
        vapid = subprocess.run(
            [sys.executable, "manage.py", "vapid_keys"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        env["ECOUTE_VAPID_PRIVATE_KEY"] = vapid.stdout.strip()
    server = subprocess.Popen(uvicorn_command(HOST, PORT), cwd=ROOT, env=env)
    # The programme's e-mails (outbox) and waiting-list deadlines; without EMAIL_HOST it prints each
    # e-mail here, on this console.
    mailer = subprocess.Popen([sys.executable, "manage.py", "programme_worker"], cwd=ROOT, env=env)
    # The follow-up reminders whose time has come (ecoute/followup).
    reminders = subprocess.Popen([sys.executable, "manage.py", "follow_up_worker"], cwd=ROOT, env=env)
    try:
        return server.wait()
    except KeyboardInterrupt:
        server.send_signal(signal.SIGINT)
        return server.wait()
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(10)
        for worker in (mailer, reminders):
            if worker.poll() is None:
                worker.terminate()
                worker.wait(10)
        if coturn:
            coturn.terminate()
        for part in reversed(phone_parts):
            part.terminate()


if __name__ == "__main__":
    sys.exit(main())
