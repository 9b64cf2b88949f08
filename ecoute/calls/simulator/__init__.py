"""The line simulated on a rota (simulation.py, `manage.py simulate`), checked against queueing theory (erlang.py)."""
