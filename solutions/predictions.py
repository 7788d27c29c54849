"""Solutions to the predict-then-check exercises (lecture_lib.exercises.predictions).

Every number comes from a formula of the lecture, computed here by hand (no measurement):

    from lecture_lib.exercises import check_prediction
    check_prediction("sinc_lr_critical", sinc_lr_critical)
"""

import math

# notebook 01: SGD on x^2/20 + y^2 multiplies the y coordinate by (1 - lr * 2) each step, since
# f_yy = 2 is the largest curvature (f_xx = 1/10). It diverges once |1 - 2 lr| > 1.
lambda_max = 2.0
bowl_lr_diverge = 2 / lambda_max

# notebook 02: near the minimum x* of 10 sinc(x) = 10 sin(u) / u (u = pi x), SGD converges while
# |1 - lr f''(x*)| < 1. The minimum solves f'(x) = 0, i.e. tan u = u (Newton's method from the
# lecture's 4.5), and there f''(x*) = -10 pi^2 cos(u*).
u = 4.5
for _ in range(20):
    u -= (math.tan(u) - u) / (math.tan(u) ** 2)  # d/du (tan u - u) = tan(u)^2
curvature = -10 * math.pi**2 * math.cos(u)
sinc_lr_critical = 2 / curvature

# notebook 03: Polyak's best momentum for the condition number kappa = lambda_max / lambda_min.
kappa = 2.0 / 0.1
momentum_alpha_best = ((math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)) ** 2

# notebook 05: after one gradient g, RMSProp's h = (1 - rho) g^2 and Adagrad's h = g^2, so the
# steps lr g / sqrt(h) differ by 1 / sqrt(1 - rho).
rho = 0.9
rmsprop_first_step = 1 / math.sqrt(1 - rho)

# notebook 07: Adam's first m_hat = g and v_hat = g^2, so the step is lr g / |g| = lr, for any g.
lr = 0.1
adam_first_step = lr

SOLUTIONS = {
    "bowl_lr_diverge": bowl_lr_diverge,
    "sinc_lr_critical": sinc_lr_critical,
    "momentum_alpha_best": momentum_alpha_best,
    "rmsprop_first_step": rmsprop_first_step,
    "adam_first_step": adam_first_step,
}
