"""Supervision: what the supervisors' board shows (board.py) and the alerts raised for them (alerts.py)."""
