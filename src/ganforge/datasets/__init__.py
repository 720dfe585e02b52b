"""Data files that several families read: IDX (MNIST-format) files, where to find them, verified downloads."""
