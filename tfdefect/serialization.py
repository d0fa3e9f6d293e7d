"""One decorator for every custom Keras object in tfdefect."""

import keras


def register(cls):
    """Register ``cls`` with Keras serialization under the ``tfdefect>`` package prefix."""
    return keras.saving.register_keras_serializable(package="tfdefect")(cls)
