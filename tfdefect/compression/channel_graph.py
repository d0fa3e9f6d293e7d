"""Which output channels of a Keras model can be removed together: its channel groups."""

from __future__ import annotations

import dataclasses

import keras

# layers that keep the channel axis (last) one-to-one: a channel removed before them is
# removed after them, and their per-channel weights (if any) are sliced with it
_ELEMENTWISE = (
    keras.layers.Activation,
    keras.layers.ReLU,
    keras.layers.LeakyReLU,
    keras.layers.ELU,
    keras.layers.Dropout,
    keras.layers.SpatialDropout2D,
    keras.layers.ZeroPadding2D,
    keras.layers.Cropping2D,
    keras.layers.MaxPooling2D,
    keras.layers.AveragePooling2D,
    keras.layers.GlobalAveragePooling2D,
    keras.layers.GlobalMaxPooling2D,
    keras.layers.UpSampling2D,
    keras.layers.Identity,
)
# layers whose inputs must keep the same channels (a residual add ties its branches)
_MERGES = (
    keras.layers.Add,
    keras.layers.Subtract,
    keras.layers.Multiply,
    keras.layers.Maximum,
    keras.layers.Minimum,
    keras.layers.Average,
)
_ACROSS_CHANNELS = ("softmax", "log_softmax")


@dataclasses.dataclass
class ChannelGroup:
    """Channels that are removed together.

    Attributes:
        index: the group's number in its ``ChannelGraph``.
        size: channel count.
        producers: ``Conv2D`` layers whose output channels these are (several when residual
            adds tie their outputs).
        members: per-channel layers in between (``BatchNormalization``,
            ``DepthwiseConv2D``) whose weights are sliced with the group.
        consumers: ``Conv2D`` / ``Dense`` layers that read the group (their input weights
            are sliced).
        blocked: why the group cannot be pruned (None: it can).
        batch_norms: the ``BatchNormalization`` right after each producer, by producer name.
    """

    index: int
    size: int
    producers: list = dataclasses.field(default_factory=list)
    members: list = dataclasses.field(default_factory=list)
    consumers: list = dataclasses.field(default_factory=list)
    blocked: str | None = None
    batch_norms: dict = dataclasses.field(default_factory=dict)

    @property
    def prunable(self) -> bool:
        return self.blocked is None and bool(self.producers)


@dataclasses.dataclass
class _LayerCall:
    layer: keras.layers.Layer  # the original layer
    kind: str  # "conv", "depthwise", "dense", "member", "other"
    input_group: int | None
    output_group: int | None
    output_shape: tuple
    kernel_size: tuple = ()


class ChannelGraph:
    """The channel groups of a functional Keras model (nested functional models included).

    The model is traced once by ``keras.models.clone_model`` (``call_function`` records
    every layer call; the clone is thrown away): a ``Conv2D`` starts a group of its output
    channels, per-channel layers (BatchNormalization, depthwise convolutions, activations,
    pooling, padding) carry it on, residual adds merge the groups of their inputs, and
    ``Conv2D`` / ``Dense`` layers read it. A group is blocked when any other layer reads it
    (concatenation, reshape, layer normalisation, a custom layer, the model output), when a
    producer is a grouped convolution, or when its channels do not come from a convolution
    (the model input). MobileNetV2's expansion channels (expand conv -> depthwise ->
    project conv) are one group per block; the projection outputs tied by residual adds
    form one group per stage.

    Args:
        model: a functional ``keras.Model`` (``ImageClassifier`` and the backbones are),
            built with a fixed input size (MAC counts need the spatial sizes).
    """

    def __init__(self, model: keras.Model):
        if not hasattr(model, "inputs") or not model.inputs:
            raise ValueError(
                f"{model.name}: channel pruning needs a functional Keras model (built from "
                "keras.Input), not a subclassed one"
            )
        self.model = model
        self._parent: list[int] = []
        self._groups: list[ChannelGroup] = []
        self._calls: list[_LayerCall] = []
        self._tensor_group: dict[int, int] = {}
        self._conv_outputs: dict[int, keras.layers.Layer] = {}
        self._shapes: dict[int, tuple] = {}  # id(tensor) -> shape at the model's input size
        self._trace()

    # === Groups ===
    def _new_group(self, size: int, blocked: str | None = None) -> int:
        self._parent.append(len(self._parent))
        self._groups.append(ChannelGroup(index=len(self._groups), size=size, blocked=blocked))
        return len(self._parent) - 1

    def root(self, group: int) -> int:
        while self._parent[group] != group:
            self._parent[group] = self._parent[self._parent[group]]
            group = self._parent[group]
        return group

    def _block(self, group: int | None, reason: str) -> None:
        if group is None:
            return
        found = self._groups[self.root(group)]
        found.blocked = found.blocked or reason

    def _merge(self, groups: list[int], layer_name: str) -> int:
        roots = sorted({self.root(g) for g in groups})
        first = roots[0]
        sizes = {self._groups[r].size for r in roots}
        if len(sizes) > 1:  # broadcasting merge: channels do not line up
            for r in roots:
                self._block(r, f"{layer_name} merges different channel counts")
        for other in roots[1:]:
            self._parent[other] = first
            kept, gone = self._groups[first], self._groups[other]
            kept.producers += gone.producers
            kept.members += gone.members
            kept.consumers += gone.consumers
            kept.batch_norms.update(gone.batch_norms)
            kept.blocked = kept.blocked or gone.blocked
        return first

    def groups(self) -> list[ChannelGroup]:
        """Every group (prunable or not), each once."""
        return [self._groups[r] for r in sorted({self.root(g) for g in range(len(self._parent))})]

    def prunable_groups(self) -> list[ChannelGroup]:
        return [g for g in self.groups() if g.prunable]

    def group_of(self, layer_name: str, side: str) -> ChannelGroup | None:
        """The group a layer reads (``side="input"``) or writes (``"output"``)."""
        for call in self._calls:
            if call.layer.name == layer_name:
                index = call.input_group if side == "input" else call.output_group
                return None if index is None else self._groups[self.root(index)]
        raise KeyError(layer_name)

    # === Tracing ===
    def _trace(self) -> None:
        originals: dict[int, keras.layers.Layer] = {}
        records: list = []
        keep_alive: list = []

        def clone_function(layer):
            clone = layer.__class__.from_config(layer.get_config())
            originals[id(clone)] = layer
            keep_alive.append(clone)
            return clone

        def call_function(layer, *args, **kwargs):
            outputs = layer(*args, **kwargs)
            records.append((layer, args, kwargs, outputs))
            keep_alive.append((args, kwargs, outputs))
            return outputs

        clone = keras.models.clone_model(
            self.model,
            clone_function=clone_function,
            call_function=call_function,
            recursive=True,
        )
        keep_alive.append(clone)
        alias: dict[int, object] = {}
        for layer, args, _, outputs in records:
            if isinstance(layer, keras.Model):  # a nested functional model: link its tensors
                for inner, outer in zip(layer.inputs, keras.tree.flatten(args), strict=True):
                    alias[id(inner)] = outer
                for outer, inner in zip(keras.tree.flatten(outputs), layer.outputs, strict=True):
                    alias[id(outer)] = inner
        self._propagate_shapes(clone, records, alias)
        for layer, args, kwargs, outputs in records:
            if isinstance(layer, keras.Model):
                continue
            original = originals.get(id(layer), layer)
            tensors = [t for t in keras.tree.flatten((args, kwargs)) if _is_tensor(t)]
            inputs = [self._group_for(t, alias) for t in tensors]
            outs = [t for t in keras.tree.flatten(outputs) if _is_tensor(t)]
            self._record(original, inputs, outs, tensors)
        for output in clone.outputs:
            self._block(self._group_for(output, alias), "the model outputs them")

    def _propagate_shapes(self, clone, records, alias) -> None:
        """Shapes of every traced tensor at the model's own input size: a nested model
        built on ``keras.Input((None, None, C))`` (the ResNet backbones) traces with no
        spatial size, so its layers' shapes are recomputed in dependency order from the
        outer model's inputs (no library walks nested Keras graphs with outer shapes)."""

        def resolve(tensor):
            return _resolve(tensor, alias)

        def concrete(value):
            if not _is_tensor(value):
                return value
            return keras.KerasTensor(self._shapes[id(resolve(value))], value.dtype)

        for tensor in clone.inputs:
            self._shapes[id(tensor)] = tuple(tensor.shape)
        pending = [record for record in records if not isinstance(record[0], keras.Model)]
        while pending:
            waiting = []
            for layer, args, kwargs, outputs in pending:
                tensors = [resolve(t) for t in keras.tree.flatten((args, kwargs)) if _is_tensor(t)]
                if any(id(t) not in self._shapes for t in tensors):
                    waiting.append((layer, args, kwargs, outputs))
                    continue
                try:
                    spec = layer.compute_output_spec(
                        *keras.tree.map_structure(concrete, args),
                        **keras.tree.map_structure(concrete, kwargs),
                    )
                    shapes = [tuple(t.shape) for t in keras.tree.flatten(spec)]
                except Exception:  # a layer that cannot say: keep its traced shapes
                    shapes = [tuple(t.shape) for t in keras.tree.flatten(outputs)]
                outs = [t for t in keras.tree.flatten(outputs) if _is_tensor(t)]
                for tensor, shape in zip(outs, shapes, strict=False):
                    self._shapes[id(tensor)] = shape
            if len(waiting) == len(pending):  # unreachable from the inputs: traced shapes
                for _, _, _, outputs in waiting:
                    for tensor in keras.tree.flatten(outputs):
                        if _is_tensor(tensor):
                            self._shapes.setdefault(id(tensor), tuple(tensor.shape))
                break
            pending = waiting

    def _group_for(self, tensor, alias) -> int:
        tensor = _resolve(tensor, alias)
        key = id(tensor)
        if key not in self._tensor_group:  # a model input: channels from outside
            channels = tensor.shape[-1] if tensor.shape else None
            self._tensor_group[key] = self._new_group(channels or 0, "not from a convolution")
        return self._tensor_group[key]

    def _set_output(self, tensor, group: int) -> None:
        self._tensor_group[id(tensor)] = group

    def _record(self, layer, inputs: list[int], outputs: list, input_tensors: list) -> None:
        name = f"{layer.name} ({type(layer).__name__})"
        shape = self._shapes.get(id(outputs[0]), tuple(outputs[0].shape)) if outputs else ()
        channels = shape[-1] if shape else None
        single = inputs[0] if len(inputs) == 1 else None
        if isinstance(layer, keras.layers.DepthwiseConv2D):
            self._calls.append(
                _LayerCall(layer, "depthwise", single, single, shape, layer.kernel_size)
            )
            if layer.depth_multiplier != 1 or single is None:
                self._block(single, f"{name} multiplies channels")
                self._set_output(outputs[0], self._new_group(channels, f"from {name}"))
            else:
                self._groups[self.root(single)].members.append(layer)
                self._set_output(outputs[0], single)
            return
        if isinstance(layer, keras.layers.Conv2D) and len(inputs) == 1:
            out = self._new_group(channels)
            self._calls.append(_LayerCall(layer, "conv", single, out, shape, layer.kernel_size))
            if layer.groups != 1 or layer.data_format != "channels_last":
                self._block(single, f"{name} is a grouped or channels-first convolution")
                self._block(out, f"{name} is a grouped or channels-first convolution")
            else:
                self._groups[self.root(single)].consumers.append(layer)
                self._groups[out].producers.append(layer)
            self._set_output(outputs[0], out)
            self._conv_outputs[id(outputs[0])] = layer
            return
        if isinstance(layer, keras.layers.Dense) and len(inputs) == 1:
            self._calls.append(_LayerCall(layer, "dense", single, None, shape))
            self._groups[self.root(single)].consumers.append(layer)
            self._set_output(outputs[0], self._new_group(channels, f"from {name}"))
            return
        if isinstance(layer, keras.layers.BatchNormalization) and len(inputs) == 1:
            rank = len(input_tensors[0].shape)
            if layer.axis not in (-1, rank - 1, [-1], [rank - 1]):
                self._block(single, f"{name} normalises another axis")
                self._set_output(outputs[0], self._new_group(channels, f"from {name}"))
                return
            group = self._groups[self.root(single)]
            group.members.append(layer)
            producer = self._producer_of(input_tensors[0])
            if producer is not None:
                group.batch_norms.setdefault(producer.name, layer)
            self._calls.append(_LayerCall(layer, "member", single, single, shape))
            self._set_output(outputs[0], single)
            return
        elementwise = isinstance(layer, _ELEMENTWISE) and not (
            isinstance(layer, keras.layers.Activation)
            and getattr(layer.activation, "__name__", "") in _ACROSS_CHANNELS
        )
        if elementwise and len(inputs) == 1 and len(outputs) == 1:
            self._calls.append(_LayerCall(layer, "member", single, single, shape))
            self._set_output(outputs[0], single)
            return
        if isinstance(layer, _MERGES) and len(outputs) == 1 and inputs:
            merged = self._merge(inputs, name)
            self._calls.append(_LayerCall(layer, "member", merged, merged, shape))
            self._set_output(outputs[0], merged)
            return
        for group in inputs:
            self._block(group, f"{name} reads them")
        self._calls.append(_LayerCall(layer, "other", single, None, shape))
        for tensor in outputs:
            self._set_output(tensor, self._new_group(tensor.shape[-1] or 0, f"from {name}"))

    def _producer_of(self, tensor):
        """The Conv2D whose call wrote ``tensor`` directly (None otherwise)."""
        return self._conv_outputs.get(id(tensor))

    # === Counting ===
    def macs(self, kept: dict[int, int] | None = None) -> int:
        """Multiply-accumulates of one image through the convolutions and dense layers.

        Args:
            kept: channels kept per group (``ChannelGroup.index`` -> count); groups not
                named keep all their channels.
        """
        kept = kept or {}

        def size(group_index):
            if group_index is None:
                return None
            group = self._groups[self.root(group_index)]
            return kept.get(group.index, group.size)

        total = 0
        for call in self._calls:
            if call.kind in ("conv", "depthwise") and None in call.output_shape[1:3]:
                raise ValueError(
                    f"{self.model.name}: layer {call.layer.name} has no fixed spatial size; "
                    "build the model with a fixed image size to count its MACs"
                )
            if call.kind == "conv":
                height, width = call.output_shape[1:3]
                kh, kw = call.kernel_size
                total += height * width * kh * kw * size(call.input_group) * size(call.output_group)
            elif call.kind == "depthwise":
                height, width = call.output_shape[1:3]
                kh, kw = call.kernel_size
                total += height * width * kh * kw * size(call.input_group)
            elif call.kind == "dense":
                positions = 1
                for extent in call.output_shape[1:-1]:
                    positions *= extent or 1
                total += positions * size(call.input_group) * call.output_shape[-1]
        return int(total)

    def layer_groups(self) -> dict[int, tuple]:
        """``id(layer) -> (input group, output group)`` (``ChannelGroup`` or None) for every
        layer the model calls."""
        found = {}
        for call in self._calls:
            found[id(call.layer)] = tuple(
                None if g is None else self._groups[self.root(g)]
                for g in (call.input_group, call.output_group)
            )
        return found


def _resolve(tensor, alias: dict):
    """The tensor ``tensor`` stands for across nested-model boundaries (``alias``: id of an
    inner input or outer output -> the tensor it is)."""
    while id(tensor) in alias:
        tensor = alias[id(tensor)]
    return tensor


def _is_tensor(value) -> bool:
    return isinstance(value, keras.KerasTensor)
