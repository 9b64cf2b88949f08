"""The workspace's first connectivity check reaches the media agent before the agent has its answer.

The agent offers first; the workspace answers and checks at once, through its own allocation on the
same TURN server, while its answer is still on its way to the agent. The agent's allocation must
already let the relay's address in (ecoute/telephony/agent.py, let_the_relay_hear_the_workspace),
or the relay drops that check and accept → audio waits for the browser to send it again
(docs/performance.md). Real coturn on loopback; the workspace's side is an aioice TURN allocation.
"""

import asyncio
import re

import pytest
from aioice import stun
from aioice.turn import create_turn_endpoint

from ecoute.calls.ice import turn_credentials
from ecoute.telephony.agent import new_peer

# Checks are sent again until one is answered, as a browser's ICE does; this only stops a run
# that no longer moves.
BACKSTOP_SECONDS = 30


class Workspace(asyncio.DatagramProtocol):
    def __init__(self):
        self.heard: asyncio.Queue = asyncio.Queue()

    def datagram_received(self, data, addr):
        self.heard.put_nowait(data)


def test_the_workspaces_first_check_is_answered_before_the_agent_has_the_answer(coturn):
    asyncio.run(_first_check_answered(coturn))


async def _first_check_answered(coturn: dict) -> None:
    url = coturn["ECOUTE_TURN_URLS"]
    server = ("127.0.0.1", int(re.search(r":(\d+)", url.removeprefix("turn:")).group(1)))
    username, password = turn_credentials(coturn["ECOUTE_TURN_SECRET"], 600)
    ice = {
        "iceServers": [{"urls": [url], "username": username, "credential": password}],
        "iceTransportPolicy": "relay",
    }
    peer, _ = await new_peer(ice)  # the offer made as the call rings; no answer will come
    try:
        agent = _relayed_address(peer.localDescription.sdp)
        transport, workspace = await create_turn_endpoint(Workspace, server, username, password)
        try:
            answer = await _check_until_answered(transport, workspace, agent)
        finally:
            transport.close()
    finally:
        await peer.close()
    assert answer.message_method == stun.Method.BINDING
    # Not authenticated (this side knows no ICE password): the agent's answer says so, which proves
    # the check reached it.
    assert answer.message_class == stun.Class.ERROR


async def _check_until_answered(transport, workspace: Workspace, agent: tuple[str, int]) -> stun.Message:
    for _ in range(BACKSTOP_SECONDS * 5):
        check = stun.Message(message_method=stun.Method.BINDING, message_class=stun.Class.REQUEST)
        transport.sendto(bytes(check), agent)
        try:
            while True:
                answer = stun.parse_message(await asyncio.wait_for(workspace.heard.get(), 0.2))
                if answer.transaction_id == check.transaction_id:
                    return answer
        except TimeoutError:
            continue
    pytest.fail(f"no check reached the agent's relayed address in {BACKSTOP_SECONDS} s")


def _relayed_address(sdp: str) -> tuple[str, int]:
    found = re.search(r"a=candidate:\S+ 1 udp \d+ (\S+) (\d+) typ relay", sdp)
    assert found, sdp
    return found.group(1), int(found.group(2))
