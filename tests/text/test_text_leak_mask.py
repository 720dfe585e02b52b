"""LeakGAN and MaskGAN: their pieces, exact resume, and training / scoring like the other text models."""
from __future__ import annotations

import copy

import pytest
import torch

from ganforge.text.models.leakgan import LeakGANGenerator, directions, intrinsic_rewards, rank_rescale
from ganforge.text.models.maskgan import contiguous_mask, discounted_returns
from ganforge.text.models.nets import CNNDiscriminator, feature_width
from ganforge.text.task import TextTrainer

from text_helpers import TINY_ORACLE, tiny_config


def leakgan_generator(seq_len=7):
    torch.manual_seed(0)
    D = CNNDiscriminator(12, seq_len, 6, [2, 3], 4, 0.5)
    G = LeakGANGenerator(12, 6, 8, seq_len, start_token=1, eos=2, feature_dim=feature_width(seq_len, [2, 3], 4),
                         goal_size=3, step_size=2)
    G.attach(D)
    return G, D


def test_leakgan_stepping_equals_teacher_forcing_and_leaks_the_discriminator():
    G, D = leakgan_generator()
    D.train()   # the leak is read in eval mode (no dropout) and the mode is restored
    tokens = torch.randint(3, 12, (5, 7))
    logits, goals, feats = G.forward_detail(tokens)
    assert logits.shape == (5, 7, 12) and goals.shape == (5, 7, 8) and feats.shape == (5, 8, 8)
    state, stepped = None, []
    token = torch.full((5,), 1)
    for t in range(7):
        out, state = G.step(token, state)
        stepped.append(out)
        token = tokens[:, t]
    assert torch.allclose(torch.stack(stepped, 1), logits, atol=1e-5) and D.training
    with torch.no_grad():
        D.eval()
        assert torch.allclose(feats[:, 3], D.features(torch.cat([tokens[:, :3], torch.zeros(5, 4).long()], 1)))
    assert torch.allclose(goals.norm(dim=-1), torch.ones(5, 7))
    # other discriminator weights, other leaked features, other logits: the generator reads D
    with torch.no_grad():
        for p in D.parameters():
            p.add_(0.5)
    assert not torch.allclose(G(tokens), logits)
    # the EMA copy of the generator leaks the same discriminator
    assert copy.deepcopy(G).leak.module is D


def test_leakgan_goal_directions_intrinsic_rewards_and_rescaling():
    feats = torch.tensor([[[0., 0.], [1., 0.], [1., 1.], [1., 2.]]])      # f_0..f_3 for T = 3
    goals = torch.tensor([[[1., 0.], [0., 1.], [-1., 0.]]])
    cos = directions(feats, goals, c=2)
    assert torch.allclose(cos, torch.tensor([[2 ** -0.5, 1.0, 0.0]]))   # f2-f0=(1,1) vs (1,0); f3-f1=(0,2) vs (0,1)
    r = intrinsic_rewards(feats, goals, c=1)
    assert torch.allclose(r, torch.tensor([[1.0, 1.0, 0.0]]))            # f1-f0 || g0, f2-f1 || g1, f3-f2 ⟂ g2
    ranks = rank_rescale(torch.tensor([[0.1], [0.9], [0.5], [0.3]]), delta=16.0)[:, 0]
    assert ranks.argsort().tolist() == [0, 3, 2, 1] and 0 < float(ranks.min()) < float(ranks.max()) < 1


def test_contiguous_masks_and_discounted_returns():
    torch.manual_seed(0)
    tokens = torch.tensor([[5, 6, 7, 8, 2, 0], [5, 6, 2, 0, 0, 0]])
    for _ in range(20):
        m = contiguous_mask(tokens, eos=2, rate=0.5)
        assert m[0].sum() == 2 and m[1].sum() == 1                       # half of 4 words, half of 2
        assert not m[0, 4:].any() and not m[1, 2:].any()                  # never the <eos> or padding
        idx = m[0].nonzero()[:, 0]
        assert int(idx[-1] - idx[0]) == 1                                  # one contiguous span
    assert contiguous_mask(tokens, eos=2, rate=0.5, full_share=1.0).all()
    r = torch.tensor([[1.0, 2.0, 0.0, 4.0]])
    scored = torch.tensor([[True, True, False, True]])
    assert torch.allclose(discounted_returns(r, scored, 0.5), torch.tensor([[3.0, 4.0, 4.0, 4.0]]))


def states(trainer):
    task = trainer.task
    out = {f"G.{k}": v for k, v in task.G.state_dict().items()}
    out.update({f"D.{k}": v for k, v in task.D.state_dict().items()})
    for name, opt in task.state.optimizers.items():
        for i, st in opt.state.items():
            out.update({f"{name}.{i}.{k}": v for k, v in st.items() if torch.is_tensor(v)})
    return out


@pytest.mark.parametrize("model,data", [("leakgan", "file"), ("maskgan", "oracle")])
def test_resume_is_bit_exact(tmp_path, text_files, model, data):
    spec = TINY_ORACLE if data == "oracle" else {"name": "file", "path": str(text_files[0]),
                                                  "test_path": str(text_files[1]), "max_len": 10}
    cfg = tiny_config(model, spec, steps=4)
    cfg.model.mle_every = 2   # interleaved MLE on the adversarial steps of index 1 and 3
    full = TextTrainer(cfg, tmp_path / "full", quiet=True)
    full.fit()
    first = TextTrainer(cfg, tmp_path / "split", quiet=True)
    first.fit(stop_at=7)   # inside the adversarial phase
    resumed = TextTrainer(cfg, tmp_path / "split", quiet=True, vocab=first.task.corpus.vocab)
    resumed.fit(resume=True)
    assert resumed.step == full.step == 4 + 2 + 4
    a, b = states(full), states(resumed)
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_leakgan_from_the_cli_samples_and_evaluates_like_the_others(tmp_path, text_files):
    import json

    import ganforge
    from ganforge.cli.main import main

    train, test = text_files
    assert main(["train", "leakgan", "--data", str(train), "--out", str(tmp_path), "--name", "r", "--steps", "2",
                 "--batch-size", "8", "--quiet", "--set", f"data.test_path={test}", "--set", "data.max_len=10",
                 "--set", "train.pretrain_steps=2", "--set", "train.d_pretrain_steps=1", "--set", "model.rollouts=1",
                 "--set", "model.hidden_dim=8", "--set", "model.d_num_filters=4", "--set", "train.threads=1"]) == 0
    g = ganforge.load(tmp_path / "r")   # the generator and the discriminator it reads
    assert g.sample(4, seed=1) == g.sample(4, seed=1) and all(s.startswith("a man") for s in
                                                              g.sample(2, prompt="a man", seed=0))
    task_lines = (tmp_path / "r" / "samples" / "step_0000005.txt").read_text().splitlines()
    assert len(task_lines) == 8
    assert main(["eval", str(tmp_path / "r"), "--metrics", "bleu,self_bleu,nll,curve,ngrams", "--n", "20"]) == 0
    m = json.loads((tmp_path / "r" / "eval" / "metrics.json").read_text())
    assert {"bleu2", "self_bleu2", "nll_gen", "unique_ngrams2", "novel_ngrams3"} <= set(m) and len(m["curve"]) >= 5


@pytest.mark.slow
@pytest.mark.parametrize("data", ["coco", "emnlp"])
@pytest.mark.parametrize("model", ["leakgan", "maskgan"])
def test_named_data_sets_train_and_score(tmp_path, model, data):
    import json
    import os
    from pathlib import Path

    from ganforge.cli.main import main

    root = os.environ.get("GANFORGE_DATA")
    if not root or not (Path(root) / "text" / "emnlp_news.txt").is_file():
        pytest.skip("set GANFORGE_DATA to the shared data folder (text/image_coco.txt, text/emnlp_news.txt)")
    assert main(["train", model, "--data", data, "--out", str(tmp_path), "--name", "r", "--steps", "2",
                 "--batch-size", "8", "--quiet", "--set", "data.limit=300", "--set", "train.pretrain_steps=2",
                 "--set", "train.d_pretrain_steps=1", "--set", "model.rollouts=1", "--set", "model.hidden_dim=8",
                 "--set", "model.d_num_filters=4", "--set", "train.threads=1"]) == 0
    cfg = (tmp_path / "r" / "config.yaml").read_text()
    assert f"name: {data}" in cfg and ("max_len: 50" in cfg) == (data == "emnlp")
    metrics = "bleu,self_bleu,nll,ngrams" + (",fill" if model == "maskgan" else "")
    assert main(["eval", str(tmp_path / "r"), "--metrics", metrics, "--n", "30"]) == 0
    m = json.loads((tmp_path / "r" / "eval" / "metrics.json").read_text())
    assert "bleu4" in m and "nll_gen" in m and ("fill_bleu2" in m) == (model == "maskgan")


def test_emnlp_split_is_by_position(tmp_path):
    from ganforge.text.data import EMNLP_TEST_LINES, load_corpus

    lines = [" ".join(f"w{i % 50}" for _ in range(21 + i % 20)) + "   " for i in range(EMNLP_TEST_LINES + 40)]
    (tmp_path / "emnlp_news.txt").write_text("\n".join(lines) + "\n")
    cfg = tiny_config("mle", {"name": "emnlp", "dir": str(tmp_path), "max_len": 50}).data
    corpus = load_corpus(cfg)
    assert corpus.name == "emnlp" and len(corpus.train) == 40 and len(corpus.test) == EMNLP_TEST_LINES
    assert corpus.test_sentences[0] == lines[40].split() and corpus.seq_len == 51
    (tmp_path / "emnlp_news.txt").write_text("\n".join(lines[:10]) + "\n")
    from ganforge.errors import DataError

    with pytest.raises(DataError, match="needs more"):
        load_corpus(cfg)


@pytest.mark.parametrize("model", ["leakgan", "maskgan"])
def test_mle_pretraining_lowers_nll_gen(tmp_path, model):
    from ganforge.text.metrics import nll_gen

    path = tmp_path / "few.txt"  # four sentences: learnable, unlike random word salad
    path.write_text("\n".join(["a man sits on the bench", "a dog eats the food", "the red car near a street",
                               "a cat on a table"] * 10) + "\n")
    spec = {"name": "file", "path": str(path), "test_path": str(path), "max_len": 10}
    trainer = TextTrainer(tiny_config(model, spec, pretrain_steps=30, lr_pretrain=0.02), tmp_path / "run", quiet=True)
    before = nll_gen(trainer.task.G, trainer.task.corpus.test)
    trainer.fit(stop_at=30)
    after = nll_gen(trainer.task.G, trainer.task.corpus.test)
    assert after < before - 0.5, (before, after)   # MaskGAN learns whole sentences from 20% of its batches
