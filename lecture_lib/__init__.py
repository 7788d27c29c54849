"""Week 5 of the deep-learning course: optimization methods and backpropagation.

Modules, from the bottom layer up:

- ``optimizers``, ``schedules``: the eight update rules and learning-rate schedules
- ``surfaces``: test functions with analytic gradients
- ``layers``, ``gradcheck``, ``networks``, ``data``: backpropagation from scratch, offline MNIST
- ``runners``, ``trainer``: trajectories, sweeps and training loops that return plain data
- ``plots``, ``figures``: data in, matplotlib Figure out
- ``widgets``: ipywidgets explorers for live demos
- ``exercises``: checkers for the notebooks' exercises
"""

__version__ = "0.1.0"
