"""Score one run's generator sampled several ways: EMA/raw weights x eval-mode BN / batch-stat BN.

    GANFORGE_DATA=/path/to/data python probe_sampling.py RUN mnist-classifier,mnist-resnet,mnist-autoencoder [THREADS]
"""
import os, sys, torch
from ganforge.image.pipeline import LoadedGenerator
from ganforge.image.data.images import to_uint8
from ganforge.metrics import Evaluator
run = sys.argv[1]; exts = sys.argv[2].split(",")
torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
evs = {e: Evaluator("mnist:test", e, data_dir=os.environ.get("GANFORGE_DATA")) for e in exts}
for use_ema in (True, False):
    lg = LoadedGenerator.load(run, use_ema=use_ema)
    G = lg.generator
    for mode in ("eval", "train"):
        G.train(mode == "train")
        z = torch.randn(10000, 100, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            x = torch.cat([to_uint8(G(z[i:i+500], None)) for i in range(0, 10000, 500)])
        for e, ev in evs.items():
            v = ev.score(x, "fid,pr").values
            print(f"{run} ema={use_ema} bn={mode} {e}: FID {v['fid']:.2f} P {v['precision']:.3f} R {v['recall']:.3f}", flush=True)
