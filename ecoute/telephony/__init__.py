"""The numéro vert: phone calls on the same line (docs/telephony.md).

The SIP edge (Kamailio, telephony/kamailio/) strips the caller's identity; the media agent
(agent.py) answers, speaks the menu, and joins the line for the phone caller through the socket of
socket.py, as an app would: same queue, same psychologists, same workspace.
"""
