"""The trainer: loss goes down, the MNIST accuracy target, reproducibility, histories, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from lecture_lib.data import load_mnist
from lecture_lib.networks import MultiLayerNet, TwoLayerNet
from lecture_lib.optimizers import OPTIMIZERS, SGD, Adam
from lecture_lib.schedules import StepDecay
from lecture_lib.trainer import TrainingHistory, train

pytestmark = pytest.mark.backprop


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


def _toy(n=60, d=5, c=3, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((c, d)) * 3
    t = rng.integers(0, c, n)
    x = centers[t] + rng.standard_normal((n, d))
    return (x[:40], t[:40]), (x[40:], t[40:])


def test_accuracy_target_on_the_bundled_sample(mnist):
    """The notebook's recipe: 784-50-10, SGD lr=0.1, batch 100, 20 epochs, seeds 0."""
    net = TwoLayerNet(784, 50, 10, weight_init_std=0.01, seed=0)
    history = train(net, SGD(lr=0.1), mnist, epochs=20, batch_size=100, seed=0)
    assert history.iterations_per_epoch == 40
    assert history.batch_losses.shape == (800,)
    assert history.train_acc.shape == history.test_acc.shape == (21,)
    assert history.test_acc[0] < 0.2  # chance level before training
    assert history.test_acc[-1] >= 0.90
    assert history.batch_losses[-40:].mean() < 0.5 * history.batch_losses[:40].mean()
    assert history.test_acc[-1] == net.accuracy(*mnist[1])


def test_loss_decreases_in_a_short_run():
    data = _toy()
    history = train(MultiLayerNet(5, [8], 3, seed=1), SGD(0.2), data, iterations=50, batch_size=10)
    assert history.batch_losses[-10:].mean() < 0.5 * history.batch_losses[:10].mean()
    assert history.epochs == 12  # 4 updates per epoch, 50 // 4 completed epochs
    assert history.train_acc[-1] > history.train_acc[0]


def test_same_seeds_give_identical_histories_and_different_seeds_do_not():
    data = _toy()

    def run(seed):
        return train(
            TwoLayerNet(5, 6, 3, seed=0), SGD(0.1), data, epochs=3, batch_size=8, seed=seed
        )

    a, b, c = run(0), run(0), run(1)
    np.testing.assert_array_equal(a.batch_losses, b.batch_losses)
    np.testing.assert_array_equal(a.test_acc, b.test_acc)
    assert not np.array_equal(a.batch_losses, c.batch_losses)


def test_each_epoch_visits_every_sample_once():
    (x, t), test = _toy()
    seen = []

    class Recorder(TwoLayerNet):
        def loss_and_gradient(self, x_batch, t_batch):
            seen.append(x_batch[:, 0].copy())
            return super().loss_and_gradient(x_batch, t_batch)

    train(Recorder(5, 4, 3), SGD(0.1), ((x, t), test), epochs=2, batch_size=10)
    first = np.sort(np.concatenate(seen[:4]))
    np.testing.assert_array_equal(first, np.sort(x[:, 0]))
    assert not np.array_equal(np.concatenate(seen[:4]), np.concatenate(seen[4:]))


def test_history_fields_label_and_summary():
    history = train(TwoLayerNet(5, 4, 3), SGD(0.1), _toy(), iterations=8, batch_size=10)
    assert isinstance(history, TrainingHistory)
    assert history.label == "SGD(lr=0.1)"
    assert history.iterations == 8 and history.epochs == 2
    assert history.diverged_at == 0 and not history.diverged
    assert history.summary().startswith("SGD(lr=0.1): 8 steps, loss ")
    named = train(TwoLayerNet(5, 4, 3), SGD(0.1), _toy(), iterations=1, label="plain SGD")
    assert named.label == "plain SGD"
    assert named.batch_size == 40  # capped at the training-set size
    assert named.train_acc.shape == (2,)


def test_divergence_stops_cleanly_without_warnings():
    history = train(TwoLayerNet(5, 8, 3, seed=0), SGD(1e300), _toy(), iterations=50)
    assert history.diverged and history.diverged_at <= 50
    assert len(history.batch_losses) == history.diverged_at - 1
    assert np.all(np.isfinite(history.batch_losses))
    assert "diverged at step" in history.summary()


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_trains_a_multi_layer_net(name):
    history = train(MultiLayerNet(5, [16, 16], 3, seed=0), OPTIMIZERS[name](), _toy(), epochs=25)
    assert history.batch_losses[-4:].mean() < 0.7 * history.batch_losses[:4].mean()


def test_adam_with_a_schedule_on_mnist(mnist):
    opt = Adam(lr=StepDecay(0.002, 0.5, 100))
    history = train(TwoLayerNet(784, 50, 10, seed=0), opt, mnist, iterations=200, seed=0)
    assert opt.t == 200
    assert history.epochs == 5
    assert history.test_acc[-1] >= 0.85


def test_no_output_by_default(capsys):
    train(TwoLayerNet(5, 4, 3), SGD(0.1), _toy(), iterations=5)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_progress_bar_closes_itself(capsys):
    history = train(TwoLayerNet(5, 4, 3), SGD(0.1), _toy(), iterations=5, progress=True)
    assert len(history.batch_losses) == 5
    captured = capsys.readouterr()
    assert "\n" not in captured.err.strip("\r\n ")  # leave=False: the bar line is cleared


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({}, ValueError, "exactly one of iterations and epochs"),
        ({"iterations": 5, "epochs": 1}, ValueError, "exactly one"),
        ({"iterations": 0}, ValueError, "iterations must be an int >= 1, got 0"),
        ({"epochs": 1.5}, TypeError, "epochs must be an int >= 1"),
        ({"epochs": 1, "batch_size": 0}, ValueError, "batch_size must be an int >= 1"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        train(TwoLayerNet(5, 4, 3), SGD(0.1), _toy(), **kwargs)


def test_bad_data_and_optimizer():
    with pytest.raises(TypeError, match=r"data must be \(\(x_train, t_train\)"):
        train(TwoLayerNet(5, 4, 3), SGD(0.1), np.zeros((3, 5)), epochs=1)
    (x, t), test = _toy()
    with pytest.raises(ValueError, match="train images and labels"):
        train(TwoLayerNet(5, 4, 3), SGD(0.1), ((x, t[:3]), test), epochs=1)
    with pytest.raises(TypeError, match="update"):
        train(TwoLayerNet(5, 4, 3), object(), _toy(), epochs=1)


def test_summary_says_which_epoch_the_accuracy_is_from():
    net = TwoLayerNet(784, 10, 10, seed=0)
    data = load_mnist()
    part = train(net, SGD(lr=0.1), data, iterations=20, batch_size=50)  # 80 steps per epoch
    assert part.summary().endswith(f"test accuracy {part.test_acc[0]:.3f} (after epoch 0)")
    whole = train(TwoLayerNet(784, 10, 10, seed=0), SGD(lr=0.1), data, epochs=1, batch_size=50)
    assert "(after epoch" not in whole.summary()
