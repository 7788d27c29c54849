"""Solutions to the backprop exercises (lecture_lib.exercises.backprop), notebooks 10 and 11.

Each layer is the library's layer with ``backward`` written out; ``loss_and_gradient`` is the
backward pass of a network built from them.

    from lecture_lib.exercises import check_layer, check_network
    check_layer("Affine", MyAffine)
    check_network(loss_and_gradient)
"""

import numpy as np

from lecture_lib.layers import Affine, Sigmoid, SoftmaxWithLoss


class MyAffine(Affine):
    def backward(self, dout):
        self.dW = self.x.T @ dout  # (D, N) @ (N, M) -> (D, M)
        self.db = dout.sum(axis=0)  # one bias per output: sum over the batch
        return dout @ self.W.T  # (N, M) @ (M, D) -> (N, D)


class MySigmoid(Sigmoid):
    def backward(self, dout):
        y = self.out
        return dout * y * (1.0 - y)  # a new array: dout stays as it was


class MySoftmaxWithLoss(SoftmaxWithLoss):
    def backward(self, dout=1):
        n = self.y.shape[0]
        dx = self.y.copy()
        dx[np.arange(n), self.t] -= 1  # y - one_hot(t)
        return dx * dout / n  # the loss is the mean over the batch


def loss_and_gradient(net, x, t):
    loss = net.loss(x, t)
    dout = net.last_layer.backward(1)
    for layer in reversed(list(net.layers.values())):
        dout = layer.backward(dout)
    grads = {}
    for i in range(1, net.n_affine + 1):
        grads[f"W{i}"] = net.layers[f"Affine{i}"].dW
        grads[f"b{i}"] = net.layers[f"Affine{i}"].db
    return loss, grads


LAYERS = {"Affine": MyAffine, "Sigmoid": MySigmoid, "SoftmaxWithLoss": MySoftmaxWithLoss}
