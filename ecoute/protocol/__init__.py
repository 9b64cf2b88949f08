"""The realtime protocol: every message that crosses a websocket of the line, both ways (docs/protocol.md).

events.py builds every event the server sends, one function each, beside the shape it must have;
messages.py says which messages each socket accepts from its client and checks their fields.
Nothing here reads the database or knows a socket: actions and consumers pass in what to say.
"""
