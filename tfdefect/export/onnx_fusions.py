"""Rewrites of the ONNX graph tf2onnx writes, into the standard ops onnxruntime runs fast.

tf2onnx converts a layer norm into nine ops (a mean written as GlobalAveragePool on 3-D
tensors, then Sub, Pow, a second mean, Add, Sqrt, Div, Mul, Add) that onnxruntime does not
fuse, because its LayerNormFusion expects ReduceMean. Opset 17 has a LayerNormalization op
of its own: ``fuse_layer_norms`` puts it in place of that chain. Written by hand because
neither tf2onnx nor onnx ships this rewrite (onnxruntime's transformer optimizer fuses to
its own contrib ops, which only onnxruntime can run).
"""

from __future__ import annotations

import numpy as np
from onnx import helper, numpy_helper


class _Graph:
    """Producers, consumers and constant values of an onnx GraphProto."""

    def __init__(self, graph):
        self.graph = graph
        self.producer = {out: node for node in graph.node for out in node.output}
        self.consumers: dict[str, list] = {}
        for node in graph.node:
            for name in node.input:
                self.consumers.setdefault(name, []).append(node)
        self.constants = {i.name: i for i in graph.initializer}
        for node in graph.node:
            if node.op_type == "Constant":
                self.constants[node.output[0]] = node.attribute[0].t

    def only_consumer(self, name, op_type):
        users = self.consumers.get(name, [])
        if len(users) == 1 and users[0].op_type == op_type:
            return users[0]
        return None

    def scalar(self, name):
        tensor = self.constants.get(name)
        if tensor is None:
            return None
        value = numpy_helper.to_array(tensor)
        return float(value.reshape(-1)[0]) if value.size == 1 else None

    def other_input(self, node, known):
        others = [n for n in node.input if n != known]
        return others[0] if len(others) == 1 else None


def _is_last_axis_mean(node, graph_view) -> bool:
    if node.op_type == "GlobalAveragePool":
        return True  # on the (B, T, C) tensors tf2onnx gives it: the mean over C
    if node.op_type != "ReduceMean":
        return False
    attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    axes = attributes.get("axes")
    if axes is None and len(node.input) > 1:
        constant = graph_view.constants.get(node.input[1])
        axes = None if constant is None else numpy_helper.to_array(constant).tolist()
    return attributes.get("keepdims", 1) == 1 and axes in ([-1],)


def fuse_layer_norms(proto) -> int:
    """Replace every mean-Sub-Pow(2)-mean-Add(eps)-Sqrt-Div-Mul(gamma)-Add(beta) chain
    over the last axis of ``proto`` (an onnx ModelProto, opset >= 17) by one
    LayerNormalization node. Returns the number of chains replaced."""
    graph = proto.graph
    view = _Graph(graph)
    # nodes are named by their first output (unique in a graph)
    removed, replacement = set(), {}
    for mean in list(graph.node):
        if mean.output[0] in removed or not _is_last_axis_mean(mean, view):
            continue
        x = mean.input[0]
        chain = _match(view, mean, x)
        if chain is None:
            continue
        nodes, epsilon, gamma, beta, output = chain
        removed.update(n.output[0] for n in nodes)
        replacement[output] = helper.make_node(
            "LayerNormalization",
            [x, gamma, beta],
            [output],
            axis=-1,
            epsilon=epsilon,
            name=f"{mean.name}_layer_norm",
        )
    if not replacement:
        return 0
    kept = [
        replacement.get(node.output[0], node)
        for node in graph.node
        if node.output[0] not in removed or node.output[0] in replacement
    ]
    del graph.node[:]
    graph.node.extend(kept)
    read = {name for node in graph.node for name in node.input}
    unused = [i for i in graph.initializer if i.name not in read]  # epsilons, exponents
    for initializer in unused:
        graph.initializer.remove(initializer)
    return len(replacement)


def _match(view, mean, x):
    """The chain's nodes, epsilon, gamma, beta and output name, or None."""
    subtract = view.only_consumer(mean.output[0], "Sub")
    if subtract is None or list(subtract.input) != [x, mean.output[0]]:
        return None
    centred = subtract.output[0]
    users = view.consumers.get(centred, [])
    power = next((n for n in users if n.op_type == "Pow"), None)
    divide = next((n for n in users if n.op_type == "Div"), None)
    if len(users) != 2 or power is None or divide is None or view.scalar(power.input[1]) != 2.0:
        return None
    second_mean = view.consumers.get(power.output[0], [None])[0]
    if second_mean is None or not _is_last_axis_mean(second_mean, view):
        return None
    add_epsilon = view.only_consumer(second_mean.output[0], "Add")
    if add_epsilon is None:
        return None
    epsilon = view.scalar(view.other_input(add_epsilon, second_mean.output[0]) or "")
    root = view.only_consumer(add_epsilon.output[0], "Sqrt")
    if epsilon is None or root is None or list(divide.input) != [centred, root.output[0]]:
        return None
    scale = view.only_consumer(divide.output[0], "Mul")
    if scale is None:
        return None
    gamma = view.other_input(scale, divide.output[0])
    shift = view.only_consumer(scale.output[0], "Add")
    if gamma is None or shift is None:
        return None
    beta = view.other_input(shift, scale.output[0])
    if beta is None or len(view.consumers.get(mean.output[0], [])) != 1:
        return None
    if any(len(view.consumers.get(n.output[0], [])) != 1 for n in (power, second_mean, root)):
        return None
    nodes = [mean, subtract, power, second_mean, add_epsilon, root, divide, scale, shift]
    return nodes, float(np.float32(epsilon)), gamma, beta, shift.output[0]
