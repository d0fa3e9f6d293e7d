"""Weights as ONNX initializers: convert a graph whose weights are inputs, then attach them.

tf2onnx freezes every variable into a constant and copies and rewrites those constants many
times while optimising the graph: its peak memory was ~55x the weights (8.6 GB for a 163 MB
PaDiM, 14 GB for ViT-B/16). Converting the serving function with the model's weights fed
as graph inputs (Keras' ``StatelessScope`` maps each variable to its input) leaves tf2onnx a
graph without large constants; the weights then become initializers of those inputs,
written once from the variables. onnxruntime folds what tf2onnx would have folded
(transposed kernels, batch norms) when it loads the file.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

# variables with fewer elements stay constants (tf2onnx folds them at no memory cost)
MIN_WEIGHT_ELEMENTS = 1024


def weight_input_function(model, serve, specs, min_elements: int = MIN_WEIGHT_ELEMENTS):
    """A tf.function of (*specs, *weights) computing ``serve(*images)`` with the model's
    large variables read from the extra inputs.

    Returns:
        (function, weight_specs, variables): the traced function's full input signature is
        ``specs + weight_specs``; ``variables[i]`` feeds ``weight_specs[i]``.
    """
    import keras

    variables, seen = [], set()
    for variable in model.variables:
        if id(variable) in seen or int(np.prod(variable.shape)) < min_elements:
            continue
        seen.add(id(variable))
        variables.append(variable)
    weight_specs = [
        tf.TensorSpec(v.shape, v.dtype, name=f"tfdefect_weight_{i}")
        for i, v in enumerate(variables)
    ]
    count = len(specs)

    def serve_with_weights(*args):
        mapping = list(zip(variables, args[count:], strict=True))
        with keras.StatelessScope(state_mapping=mapping):
            return serve(*args[:count])

    function = tf.function(serve_with_weights, input_signature=[*specs, *weight_specs])
    return function, weight_specs, variables


def attach_weights(proto, weight_specs, variables) -> None:
    """Turn the weight inputs of ``proto`` (an onnx ModelProto) into initializers holding
    the variables' values. Raises ValueError if tf2onnx renamed or dropped an input in a
    way that leaves a weight unmatched while the graph still reads it."""
    from onnx import numpy_helper

    values = {spec.name: variable for spec, variable in zip(weight_specs, variables, strict=True)}
    graph = proto.graph
    read = {name for node in graph.node for name in node.input}
    kept = [i for i in graph.input if i.name not in values]
    del graph.input[:]
    graph.input.extend(kept)
    for name, variable in values.items():
        if name not in read:
            continue  # a weight the outputs do not depend on
        array = np.asarray(variable.numpy())
        graph.initializer.append(numpy_helper.from_array(array, name))
    missing = {i.name for i in kept} & set(values)
    if missing:
        raise ValueError(f"weights left as ONNX inputs: {sorted(missing)}")
