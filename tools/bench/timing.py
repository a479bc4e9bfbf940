"""The timing rule of the PyTorch peers: warm-up calls, then the median of timed calls in ms."""
import time


def median_ms(f, iters, warmup=2, sync=lambda: None):
    for _ in range(warmup):
        f()
    sync()
    times = []
    for _ in range(iters):
        t = time.perf_counter()
        f()
        sync()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    n = len(times)
    return times[n // 2] if n % 2 else 0.5 * (times[n // 2 - 1] + times[n // 2])
