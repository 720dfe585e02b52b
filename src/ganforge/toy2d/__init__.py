"""The 2D toy family: toy data (ring8, grid25 and the Lab's sets), MLP nets, the gan2d task and the mixture benchmark."""
