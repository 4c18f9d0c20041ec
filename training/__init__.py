"""Training, export and shipping of the SpineCLUE models (run as `/usr/bin/python3 -m training.<script>`)."""
import ctypes
import ctypes.util


def _keep_freed_memory() -> None:
    """glibc gives every large tensor its own mmap and unmaps it when freed, so each training step faults in and zeroes
    fresh pages for all its activations: on this 2-core machine the identifier's step spent 60 % of its time in the
    kernel (3.4 s a step; 0.55 s with this). Big blocks come from the heap instead, and freed memory is kept for the next step."""
    name = ctypes.util.find_library('c')
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return
    M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
    libc.mallopt(M_MMAP_THRESHOLD, 1 << 30)
    libc.mallopt(M_TRIM_THRESHOLD, (1 << 31) - 1)
    libc.mallopt(M_TOP_PAD, 1 << 28)


_keep_freed_memory()
