"""Pure Numba kernels over CSR arrays: communities, components, ranking, paths, cycles, tracing.

Import the submodules directly (``from algorithms.louvain import louvain``); this package
itself imports nothing heavy, so ``moneytrail --help`` stays fast.
"""
