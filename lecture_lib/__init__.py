"""Week 5 of the deep-learning course: optimization methods and backpropagation.

Modules, from the bottom layer up:

- ``optimizers``, ``schedules``: the eight update rules (plus AdamW) and learning-rate schedules
- ``surfaces``, ``theory``: test functions with analytic gradients; the quadratic model's
  predictions (Hessian eigenvalues, condition number, step-size limits, rates)
- ``simulation``: one batched loop that steps B runs at once; ``runners`` (trajectories,
  replay), ``sweeps`` (many learning rates), ``stall`` (why a run stopped) and ``minibatch``
  (epoch-shuffled least squares) are thin calls of it and return plain data
- ``layers``, ``gradcheck``, ``networks``, ``data``, ``trainer``: backpropagation from scratch
  and training on the bundled MNIST sample
- ``stats``, ``study``, ``verdicts``: notebook 09's study (seeds, validation split, paired
  tests, the recommendation rule)
- ``artists``, ``plots``, ``animation``: data in, matplotlib Figure out (artists redraw in place)
- ``explorer``, ``views``, ``readout``, ``widgets``: declarative ipywidgets explorers for live demos
- ``exercises``: checkers for the notebooks' exercises
"""

__version__ = "0.1.0"
