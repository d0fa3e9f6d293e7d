"""A Beam ``ModelHandler`` over the library's Predictor, for Beam's own ``RunInference``.

Beam's TensorFlow handlers import tensorflow_hub, which pulls Keras 2 and the ``tensorflow``
distribution; Beam's documented route for such a case is a small handler of one's own
(load_model / run_inference), used with RunInference's batching and model sharing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from apache_beam.ml.inference.base import ModelHandler

# key of the result of an element whose prediction raised; its value is the reason
FAILURE = "_failure"


class PredictorModelHandler(ModelHandler):
    """Elements: (test image (H, W, C) uint8, reference image or None). Each worker loads the
    model once (``Predictor``: SavedModel, ONNX, .keras or TFLite); ``run_inference`` returns
    one result dict per element, the fields of ``tfdefect predict``'s records, or
    ``{FAILURE: reason}`` for an element whose prediction raised (a batch that raises is
    predicted again one element at a time, so one bad image never fails the others).

    Args:
        model_path: an export ``tfdefect predict`` takes.
        batch_size: images per model call; Beam batches elements up to ``max_batch_size``.
        position_id: for a cached-reference MPB3, the position of every test image.
    """

    def __init__(
        self,
        model_path: str,
        batch_size: int = 8,
        max_batch_size: int = 32,
        position_id: int | None = None,
    ):
        super().__init__()
        self.model_path = model_path
        self.batch_size = batch_size
        self.max_batch_size = max_batch_size
        self.position_id = position_id

    def load_model(self):
        from tfdefect.inference.predictor import Predictor

        return Predictor(self.model_path, batch_size=self.batch_size)

    def run_inference(
        self, batch: Sequence, model, inference_args: dict | None = None
    ) -> Iterable[dict]:
        from tfdefect.inference.predictor import failure_reason

        tests = [element[0] for element in batch]
        references = [element[1] for element in batch]
        options = {}
        if self.position_id is not None:
            options["position_id"] = self.position_id
        elif any(r is not None for r in references):
            options["reference"] = references
        return [
            {FAILURE: failure_reason(outcome)}
            if isinstance(outcome, Exception)
            else outcome.to_dict()
            for outcome in model.predict_each(tests, **options)
        ]

    def batch_elements_kwargs(self):
        # Beam grows batches from its minimum: starting at the model's batch size keeps the
        # early batches from running one image per model call
        return {
            "min_batch_size": min(self.batch_size, self.max_batch_size),
            "max_batch_size": self.max_batch_size,
        }

    def get_num_bytes(self, batch: Sequence) -> int:
        return sum(int(element[0].nbytes) for element in batch)
