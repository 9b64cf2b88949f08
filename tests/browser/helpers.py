"""Steps of the browser tests, written as a caller and a psychologist would take them."""

from tests.support.cast import PASSWORD
from tests.support.twofactor import current_code, give_authenticator

# Inbound audio and the selected candidate pair, read from the page's own RTCPeerConnection.
CALL_STATS = """async () => {
  const pc = window.ecoute.peerConnection();
  if (!pc) return null;
  const stats = await pc.getStats();
  let inbound = null, outbound = null, pair = null, transport = null;
  stats.forEach((s) => {
    if (s.type === "inbound-rtp" && s.kind === "audio") inbound = s;
    if (s.type === "outbound-rtp" && s.kind === "audio") outbound = s;
    if (s.type === "transport") transport = s;
  });
  if (transport && transport.selectedCandidatePairId) pair = stats.get(transport.selectedCandidatePairId);
  const local = pair && stats.get(pair.localCandidateId);
  const remote = pair && stats.get(pair.remoteCandidateId);
  return {
    connectionState: pc.connectionState,
    bytesReceived: inbound ? inbound.bytesReceived : 0,
    totalAudioEnergy: inbound ? inbound.totalAudioEnergy || 0 : 0,
    packetsSent: outbound ? outbound.packetsSent : 0,
    localCandidateType: local ? local.candidateType : null,
    remoteCandidateType: remote ? remote.candidateType : null,
  };
}"""


def wait_until(page, expression: str, timeout_ms: int = 60_000) -> None:
    """Poll EXPRESSION in the page until it is true; TIMEOUT_MS only stops a run that no longer moves
    (it returns as soon as the page gets there, however busy the machine).

    Not page.wait_for_function: Playwright evaluates its predicate with eval() inside the page, which
    the pages' Content-Security-Policy rightly refuses; page.evaluate goes through the debugger instead.
    """
    for _ in range(timeout_ms // 100):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"still false after {timeout_ms} ms: {expression}")


# axe-core's rules for WCAG 2.1 levels A and AA, the level the platform is held to (DESIGN.md).
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def assert_accessible(page) -> None:
    """Run axe-core (shipped by axe-playwright-python) on the page as it is now: no WCAG 2.1 AA violation.

    Its script goes in through page.evaluate, which the pages' Content-Security-Policy allows (see wait_until).
    """
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page, options={**WCAG_AA, "resultTypes": ["violations"]}).response["violations"]
    found = [(v["id"], v["help"], [node["target"] for node in v["nodes"]][:5]) for v in violations]
    assert found == [], found


def log_in(page, user, lands_on: str = "**/espace/") -> None:
    """Password, then the code of the user's authenticator, as staff log in."""
    device = give_authenticator(user)
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/connexion/verification/")
    page.fill("#id_token", current_code(device))
    page.click("button[type=submit]")
    page.wait_for_url(lands_on)


def log_in_and_go_available(page, user) -> None:
    log_in(page, user)
    page.click("[data-status=available]")
    page.wait_for_selector("#status-label:has-text('Disponible')")


def card(page, user):
    return page.locator(f".card[data-id='{user.pk}']")


def wait_for_audio(page, backstop_ms: int = 120_000) -> dict:
    """Wait until the peer connection is connected and audio has arrived; return the stats.

    It waits on the call's progress, not on a deadline (ICE through the relay is slow on a busy
    machine): it fails at once if the connection fails or closes; BACKSTOP_MS only stops a run that
    no longer moves. Polled from here: wait_for_function would take an async predicate's Promise as
    already true.
    """
    stats = None
    for _ in range(backstop_ms // 200):
        stats = page.evaluate(CALL_STATS)
        if stats and stats["connectionState"] in ("failed", "closed"):
            raise AssertionError(f"the call's connection {stats['connectionState']}: {stats}")
        if (
            stats
            and stats["connectionState"] == "connected"
            and stats["bytesReceived"] > 0
            and stats["totalAudioEnergy"] > 0
        ):
            return stats
        page.wait_for_timeout(200)
    raise AssertionError(f"no audio arrived in {backstop_ms} ms: {stats}")


def wait_for_audio_sent(page, seconds: float) -> None:
    """Wait until the page's microphone has sent SECONDS more of audio (20 ms packets), however slowly
    a busy machine lets it: for the far end to have something to hear before a hang-up."""
    start = page.evaluate(CALL_STATS)["packetsSent"]
    wanted = start + int(seconds * 50)
    for _ in range(1200):  # a backstop of two minutes, for a run that no longer moves
        if page.evaluate(CALL_STATS)["packetsSent"] >= wanted:
            return
        page.wait_for_timeout(100)
    raise AssertionError(
        f"the page sent {seconds} s of audio in no less than two minutes: {page.evaluate(CALL_STATS)}"
    )


def app_call(new_page, psychologist):
    """A phone-sized caller and PSYCHOLOGIST's workspace (a laptop) talking: (caller, workspace)."""
    workspace = new_page("/espace/", viewport={"width": 1280, "height": 800})
    log_in_and_go_available(workspace, psychologist)
    caller = new_page("/")
    card(caller, psychologist).locator("[data-call]:enabled").click()
    workspace.click("[data-action=accept]")
    wait_for_audio(caller)
    return caller, workspace
