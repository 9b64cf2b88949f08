"""Running database work from many threads released at the same instant (races on real PostgreSQL)."""

import threading

from django.db import connections


def run_together(functions, join_seconds: float = 120) -> list:
    """Run each function in its own thread, all released at once; return results or exceptions."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as error:  # collected and inspected by the test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(join_seconds)
    return results
