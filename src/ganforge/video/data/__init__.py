"""Video data: Moving MNIST built offline (:mod:`.moving_mnist`) and the clips a run reads (:mod:`.clips`)."""
