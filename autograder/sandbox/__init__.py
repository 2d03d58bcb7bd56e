"""Where student code runs: the jail, its kernels, and the trusted checker outside it."""
