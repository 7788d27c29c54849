"""Exercise checkers for the notebooks; each returns a report whose ``repr`` is the message.

Three kinds of exercise (the formulas and experiments of the predictions are in ``experiments``):

- :mod:`~lecture_lib.exercises.rules` (notebooks 01-08): write an optimizer's update rule;
  ``check("Adam", adam_update)`` compares it with the library's optimizer, step by step.
- :mod:`~lecture_lib.exercises.predictions` (notebooks 01, 02, 03, 05, 07): predict a number,
  then ``check_prediction("sinc_lr_critical", 0.09)`` runs the experiment and compares.
- :mod:`~lecture_lib.exercises.backprop` (notebook 10): write ``backward`` for a layer,
  ``check_layer("Affine", MyAffine)``; :mod:`~lecture_lib.exercises.network` (notebook 11):
  write the network's backward pass, ``check_network(loss_and_gradient)``. Both compare with
  numerical gradients.

A checker never raises for a student's mistake (a wrong value, an exception, a string instead
of a number): every problem becomes the report's message. It raises ValueError only for an
unknown exercise name, which is a mistake of the notebook, not of the student.
"""

from lecture_lib.exercises.backprop import (
    LAYER_EXERCISES,
    BackpropReport,
    LayerExercise,
    check_layer,
)
from lecture_lib.exercises.network import NETWORK_TEMPLATE, check_network
from lecture_lib.exercises.predictions import (
    PREDICTIONS,
    Prediction,
    PredictionReport,
    check_prediction,
)
from lecture_lib.exercises.rules import EXERCISES, Exercise, Report, check, gradient

__all__ = [
    "EXERCISES",
    "LAYER_EXERCISES",
    "NETWORK_TEMPLATE",
    "PREDICTIONS",
    "BackpropReport",
    "Exercise",
    "LayerExercise",
    "Prediction",
    "PredictionReport",
    "Report",
    "check",
    "check_layer",
    "check_network",
    "check_prediction",
    "gradient",
]
