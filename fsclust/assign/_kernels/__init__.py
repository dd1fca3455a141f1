"""numba kernels of the ``dual`` backend and the distance pass (private).
"""
