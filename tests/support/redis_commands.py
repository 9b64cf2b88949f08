"""The Redis commands a piece of work sends through the cache (names only): to show how many round
trips it costs, on the real Redis."""

from django.core.cache import cache


def commands_sent(work) -> list[str]:
    client = cache._cache.get_client(None, write=True)
    sent = []
    original = client.execute_command

    def counting(*args, **options):
        sent.append(args[0])
        return original(*args, **options)

    client.execute_command = counting
    cache._cache.get_client = lambda key=None, write=False: client
    try:
        work()
    finally:
        del cache._cache.get_client
        del client.execute_command
    return sent
