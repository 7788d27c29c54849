"""Solutions to the optimizer exercises (lecture_lib.exercises), one function per notebook.

Each function gets theta and g (numpy arrays), the state dict (filled with the starting values),
the 1-based update index t and the hyperparameters, and returns the new theta.

    from lecture_lib.exercises import check
    check("Adam", adam_update)
"""

import numpy as np


def sgd_update(theta, g, state, t, lr):
    return theta - lr * g


def momentum_update(theta, g, state, t, lr, alpha):
    state["v"] = alpha * state["v"] - lr * g
    return theta + state["v"]


def adagrad_update(theta, g, state, t, lr, eps):
    state["h"] = state["h"] + g * g
    return theta - lr * g / (np.sqrt(state["h"]) + eps)


def rmsprop_update(theta, g, state, t, lr, rho, eps):
    state["h"] = rho * state["h"] + (1 - rho) * g * g
    return theta - lr * g / (np.sqrt(state["h"]) + eps)


def adadelta_update(theta, g, state, t, lr, rho, eps):
    state["h"] = rho * state["h"] + (1 - rho) * g * g
    d = np.sqrt(state["u"] + eps) / np.sqrt(state["h"] + eps) * g  # u from before this step
    state["u"] = rho * state["u"] + (1 - rho) * d * d
    return theta - lr * d


def adam_update(theta, g, state, t, lr, beta1, beta2, eps):
    state["m"] = beta1 * state["m"] + (1 - beta1) * g
    state["v"] = beta2 * state["v"] + (1 - beta2) * g * g
    m_hat = state["m"] / (1 - beta1**t)
    v_hat = state["v"] / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps)


def adamax_update(theta, g, state, t, lr, beta1, beta2, eps):
    state["m"] = beta1 * state["m"] + (1 - beta1) * g
    state["u"] = np.maximum(beta2 * state["u"], np.abs(g) + eps)
    return theta - lr / (1 - beta1**t) * state["m"] / state["u"]


def cocob_update(theta, g, state, t, alpha, eps):
    L, G, R, S, w1 = state["L"], state["G"], state["R"], state["S"], state["w1"]
    state["L"] = L = np.maximum(L, np.abs(g))
    state["G"] = G = G + np.abs(g)
    state["R"] = R = np.maximum(R - g * (theta - w1), 0.0)  # theta before this update
    state["S"] = S = S + g
    return w1 - S * (L + R) / (L * np.maximum(G + L, alpha * L))


SOLUTIONS = {
    "SGD": sgd_update,
    "Momentum": momentum_update,
    "Adagrad": adagrad_update,
    "RMSProp": rmsprop_update,
    "Adadelta": adadelta_update,
    "Adam": adam_update,
    "AdaMax": adamax_update,
    "COCOB": cocob_update,
}
