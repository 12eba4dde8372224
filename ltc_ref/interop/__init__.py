"""Interoperability with other LTC implementations.

* `ltc_ref.interop.ncps` — ncps 1.0.1 (PyTorch) ``LTC`` / ``LTCCell`` ``state_dict`` ↔ ltc-ref
  parameters, and the same wiring from the same arguments (needs the ``ncps`` extra: torch is
  imported only when a function needs it).
* `ltc_ref.interop.ncps_keras` — ncps 1.0.1's Keras backend (``ncps.keras``, Keras 3) ↔ ltc-ref
  (needs the ``ncps-keras`` extra, imported only inside the functions that need it).
* `ltc_ref.interop.authors` — the authors' TensorFlow code's parameterisation (``cm_t``, no ε, no
  masks), its solver settings, loaders for their ``tf.train.Saver`` checkpoints (the ``tf``
  extra) and for the csv files of their ``export_weights``.
* `ltc_ref.interop.crosscheck` — ``ltc-ref crosscheck ncps``: the golden cases and
  hypothesis-drawn cases through ncps, compared with the reference.
* `ltc_ref.interop.command` — ``ltc-ref crosscheck TARGET``: ncps, a Python ``module:function``
  or ``file.py:function``, or the outputs another language wrote (``--results DIR`` after
  ``ltc-ref crosscheck export DIR``), with text, JSON or JUnit reports.

The submodules are not imported here, so that ``import ltc_ref.interop`` never needs torch,
Keras or TensorFlow.
"""

from __future__ import annotations

__all__: list[str] = []
