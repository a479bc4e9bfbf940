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


def cuda_kernels(f):
    """The CUDA kernels one call of f launches, counted by torch.profiler: the figure that
    `gfs bench train-step` reports as kernels_per_iter (on a GPU, every kernel is a launch)."""
    import torch
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        f()
        torch.cuda.synchronize()
    return sum(1 for e in prof.events() if getattr(e, "device_type", None) == torch.autograd.DeviceType.CUDA)
