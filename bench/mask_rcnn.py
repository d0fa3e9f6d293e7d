"""Mask R-CNN speed: stage breakdown at batch 1, heads vs backbone in Keras, SavedModel and
onnxruntime, batch 8 throughput, and the training step, all from one run.

    python bench/mask_rcnn.py                                  # ResNet-25, 224x224x6
    python bench/mask_rcnn.py --backbones resnet25 resnet50 --repeats 20
    python bench/mask_rcnn.py --baseline-rev b0ae089           # also the training step of
                                                               # that git commit, same run

Stages are timed alone (each its own compiled function, on the previous stage's outputs),
not from a profiler, so the sum may differ from the whole model by the glue between them.
"heads" are everything after backbone+FPN (RPN head, proposals, ROI align, box head,
detection, mask ROI align, mask head, mask pasting); in SavedModel and onnxruntime they are
the whole model minus a backbone+FPN-only export of the same weights timed in the same run.
Goal: heads <= 50% of backbone+FPN at batch 1 in all three runtimes.

Three detection settings: ``default`` (the model's own min confidence, which on random
weights keeps no detection), ``4 detections`` (a min confidence that keeps four, a busy
chip) and ``worst`` (min confidence 0: all 20 detection slots valid, so the mask head and
pasting run for every slot).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

SIZE = 224
CHANNELS = 6


def stage_functions(model, images):
    """Ordered {stage: zero-argument callable}, each a tf.function on fixed inputs that are
    the previous stages' outputs, and the whole model's outputs."""
    import tensorflow as tf

    def compiled(function, *args):
        traced = tf.function(function)
        return lambda: traced(*args)

    images = tf.cast(tf.constant(images), tf.float32)
    features = model.pyramid(images)
    _, rpn_probabilities, rpn_deltas = model.rpn(features)
    rpn_scores = rpn_probabilities[..., 1]
    rois = model.proposals_for_inference([rpn_scores, rpn_deltas])
    box_pooled = model.box_align([rois, *features[:4]])
    _, probabilities, deltas = model.box_head(box_pooled)
    boxes, class_ids, scores, count = model.detect([rois, probabilities, deltas])
    mask_boxes, mask_classes = model.valid_detection_slots(boxes, class_ids, count)
    mask_pooled = model.mask_align([mask_boxes, *features[:4]])
    chosen = model.class_masks(model.mask_head(mask_pooled), mask_classes)
    return {
        "backbone+fpn": compiled(model.pyramid, images),
        "rpn head": compiled(model.rpn, features),
        "proposals": compiled(model.proposals_for_inference, [rpn_scores, rpn_deltas]),
        "roi align (box)": compiled(model.box_align, [rois, *features[:4]]),
        "box head": compiled(model.box_head, box_pooled),
        "detection": compiled(model.detect, [rois, probabilities, deltas]),
        "roi align (mask)": compiled(model.mask_align, [mask_boxes, *features[:4]]),
        "mask head": compiled(
            lambda p, c: model.class_masks(model.mask_head(p), c), mask_pooled, mask_classes
        ),
        "mask pasting": compiled(model.pasted_masks, chosen, mask_boxes),
    }, int(count[0])


def backbone_exports(model, workdir):
    """SavedModel and ONNX of images uint8 -> [P2..P6] with the model's weights."""
    import tensorflow as tf
    import tf2onnx

    spec = tf.TensorSpec([None, SIZE, SIZE, CHANNELS], tf.uint8, name="images")

    @tf.function(input_signature=[spec])
    def pyramid(images):
        features = model.pyramid(tf.cast(images, tf.float32))
        return {f"p{level}": f for level, f in zip(range(2, 7), features, strict=True)}

    module = tf.Module()
    module.model = model
    module.pyramid = pyramid
    saved = os.path.join(workdir, "pyramid_savedmodel")
    tf.saved_model.save(module, saved, signatures={"serving_default": pyramid})
    onnx_path = os.path.join(workdir, "pyramid.onnx")
    tf2onnx.convert.from_function(pyramid, input_signature=[spec], opset=17, output_path=onnx_path)
    return saved, onnx_path


def runtime_calls(keras_function, saved, onnx_path):
    """{runtime: callable(images uint8)}: ``keras_function`` compiled, the SavedModel's
    serving_default, the ONNX file in onnxruntime."""
    import onnxruntime as ort
    import tensorflow as tf

    serving = tf.saved_model.load(saved).signatures["serving_default"]
    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    keras_call = tf.function(lambda x: keras_function(tf.cast(x, tf.float32)))
    return {
        "keras": lambda x: keras_call(tf.constant(x)),
        "savedmodel": lambda x: serving(images=tf.constant(x)),
        "onnxruntime": lambda x: session.run(None, {"images": x}),
    }


def runtimes(model, workdir, name):
    """The whole model in the three runtimes, through the library's exports."""
    from tfdefect.export import export_onnx, export_savedmodel

    saved = export_savedmodel(model, os.path.join(workdir, name), 1, write_models_config=False)
    onnx_path = os.path.join(workdir, f"{name}.onnx")
    export_onnx(model, onnx_path)
    return runtime_calls(model, saved, onnx_path)


def pyramid_runtimes(model, workdir):
    """Backbone+FPN alone in the three runtimes, same weights."""
    return runtime_calls(model.pyramid, *backbone_exports(model, workdir))


def detection_settings(base, images, typical):
    """{setting: min confidence}: the model's default, one that keeps ``typical``
    detections on the bench image, and 0 (every slot valid)."""
    import tensorflow as tf

    from tfdefect.models.mask_rcnn.mask_rcnn import MaskRCNN

    worst = MaskRCNN.from_config(dict(base.get_config(), detection_min_confidence=0.0))
    worst.set_weights(base.get_weights())
    scores = np.sort(np.asarray(worst(tf.constant(images[:1], tf.float32))["scores"][0]))[::-1]
    between = 0.5 * (scores[typical - 1] + scores[typical])
    return {
        "default": base.detection_min_confidence,
        f"{typical} detections": float(between),
        "worst": 0.0,
    }


def bench_inference(backbone, repeats, workdir, typical=4):
    import keras

    from tfdefect.bench.timing import interleaved_median_seconds, separate_median_seconds
    from tfdefect.models.mask_rcnn.mask_rcnn import MaskRCNN

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (8, SIZE, SIZE, CHANNELS)).astype(np.uint8)
    base = MaskRCNN(image_shape=(SIZE, SIZE, CHANNELS), backbone=backbone, merge_channels=True)
    result = {"backbone": backbone, "parameters": base.count_params(), "settings": {}}
    for index, (setting, confidence) in enumerate(
        detection_settings(base, images, typical).items()
    ):
        model = MaskRCNN.from_config(dict(base.get_config(), detection_min_confidence=confidence))
        model.set_weights(base.get_weights())
        stages, detections = stage_functions(model, images[:1])
        stage_seconds = interleaved_median_seconds(stages, repeats)
        whole = runtimes(model, workdir, f"{backbone}_{index}")
        pyramid = pyramid_runtimes(model, os.path.join(workdir, f"{backbone}_{index}_pyramid"))
        calls = {}
        for runtime in whole:
            calls[f"{runtime} model"] = lambda f=whole[runtime]: f(images[:1])
            calls[f"{runtime} backbone"] = lambda f=pyramid[runtime]: f(images[:1])
            calls[f"{runtime} model b8"] = lambda f=whole[runtime]: f(images)
        totals = {n: 1000 * s for n, s in separate_median_seconds(calls, repeats).items()}
        result["settings"][setting] = {
            "min_confidence": confidence,
            "detections_batch1": detections,
            "stages_ms": {k: 1000 * v for k, v in stage_seconds.items()},
            "runtimes_ms": totals,
        }
    return result


def train_rate(backbone, steps, size=96, batch=4):
    """Training steps/s at ``batch`` on ``size`` px 6-channel crops (one defect each)."""
    import keras

    from tfdefect.models.mask_rcnn.mask_rcnn import MaskRCNN

    keras.utils.set_random_seed(0)
    model = MaskRCNN(image_shape=(size, size, CHANNELS), backbone=backbone, merge_channels=True)
    model.compile(optimizer=keras.optimizers.Adam(1e-4))
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (batch, size, size, CHANNELS)).astype(np.uint8)
    targets = {
        "boxes": np.zeros((batch, 8, 4), np.float32),
        "classes": np.zeros((batch, 8), np.int32),
        "masks": np.zeros((batch, 8, size, size), np.uint8),
    }
    targets["boxes"][:, 0] = [0.2, 0.2, 0.4, 0.35]
    targets["classes"][:, 0] = 1
    targets["masks"][:, 0, 19:38, 19:34] = 1
    model.train_on_batch(images, targets)
    model.train_on_batch(images, targets)
    started = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(images, targets)
    return steps / (time.perf_counter() - started)


def baseline_train_rate(revision, backbone, steps):
    """Training steps/s of ``revision`` of this repository, in a child process."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as checkout:
        subprocess.run(
            ["git", "-C", root, "worktree", "add", "--detach", checkout, revision],
            check=True,
            capture_output=True,
        )
        try:
            code = (
                f"import sys; sys.path.insert(0, {checkout!r}); "
                f"sys.path.insert(1, {os.path.dirname(os.path.abspath(__file__))!r}); "
                "import mask_rcnn as bench; "
                f"print(bench.train_rate({backbone!r}, {steps}))"
            )
            env = dict(os.environ, PYTHONPATH=checkout)
            output = subprocess.run(
                [sys.executable, "-c", code],
                check=True,
                capture_output=True,
                text=True,
                env=env,
                cwd=checkout,
            )
            return float(output.stdout.strip().splitlines()[-1])
        finally:
            subprocess.run(
                ["git", "-C", root, "worktree", "remove", "--force", checkout],
                capture_output=True,
            )


def print_inference(result):
    print(
        f"\nMask R-CNN {result['backbone']} + merge stem, {SIZE}x{SIZE}x{CHANNELS}, "
        f"{result['parameters']:,} parameters, batch 1"
    )
    for setting, figures in result["settings"].items():
        stages = figures["stages_ms"]
        backbone = stages["backbone+fpn"]
        print(
            f"  [{setting}: {figures['detections_batch1']} detections]  stage alone, "
            "ms (share of backbone+fpn)"
        )
        for name, value in stages.items():
            print(f"    {name:<18}{value:8.2f}  ({value / backbone:6.1%})")
        heads = sum(v for k, v in stages.items() if k != "backbone+fpn")
        print(f"    {'heads (sum)':<18}{heads:8.2f}  ({heads / backbone:6.1%})")
        totals = figures["runtimes_ms"]
        for runtime in ("keras", "savedmodel", "onnxruntime"):
            whole, pyramid = totals[f"{runtime} model"], totals[f"{runtime} backbone"]
            share = (whole - pyramid) / pyramid
            verdict = "met" if share <= 0.5 else "NOT MET"
            print(
                f"    {runtime:<12} model {whole:7.1f} ms, backbone+fpn {pyramid:7.1f} ms, "
                f"heads {whole - pyramid:6.1f} ms = {share:6.1%} of backbone ({verdict}); "
                f"batch 8 {totals[f'{runtime} model b8'] / 8:6.1f} ms/image"
            )


SETTING_LABELS = {"default": "default min confidence", "worst": "every slot, min confidence 0"}


def table(results: dict) -> str:
    """Markdown per backbone: whole model vs backbone+FPN per runtime and detection setting,
    each stage alone, batch 8 and the training rate."""
    from tfdefect.bench.report import markdown_table

    parts = []
    for result in results["mask_rcnn"]:
        rows, stage_rows = [], {}
        for setting, figures in result["settings"].items():
            totals = figures["runtimes_ms"]
            label = f"{figures['detections_batch1']} ({SETTING_LABELS.get(setting, 'a busy chip')})"
            row = [label]
            for runtime in ("keras", "savedmodel", "onnxruntime"):
                whole, pyramid = totals[f"{runtime} model"], totals[f"{runtime} backbone"]
                row += [f"{whole:.1f} / {pyramid:.1f}", f"{(whole - pyramid) / pyramid:.0%}"]
            rows.append(row)
            for stage, value in figures["stages_ms"].items():
                stage_rows.setdefault(stage, []).append(f"{value:.1f}")
        header = ["detections (batch 1)"]
        for runtime in ("Keras", "SavedModel", "onnxruntime"):
            header += [f"{runtime} model / backbone+FPN ms", "heads / backbone"]
        backbone = {"resnet25": "ResNet-25", "resnet50": "ResNet50"}.get(result["backbone"])
        title = f"Mask R-CNN {backbone or result['backbone']} + merge stem"
        parts.append(f"{title}:\n\n" + markdown_table(header, rows))
        settings = [f["detections_batch1"] for f in result["settings"].values()]
        stages = markdown_table(
            ["stage alone, ms", *[f"{n} detections" for n in settings]],
            [[stage, *values] for stage, values in stage_rows.items()],
        )
        parts.append(stages)
        first = next(iter(result["settings"].values()))["runtimes_ms"]
        line = (
            f"Batch 8 ({next(iter(result['settings']))} setting): Keras "
            f"{first['keras model b8'] / 8:.1f} ms/image, onnxruntime "
            f"{first['onnxruntime model b8'] / 8:.1f}. Training, batch 4 of 96 px crops: "
            f"{result['train_steps_per_s']:.2f} steps/s"
        )
        if result.get("baseline"):
            before = result["baseline"]["train_steps_per_s"]
            line += (
                f" vs {before:.2f} for the baseline checkout timed in the same run "
                f"({result['train_steps_per_s'] / before:.2f}x)"
            )
        parts.append(line + ".")
    return "\n\n".join(parts)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backbones", nargs="+", default=["resnet25"])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--train-steps", type=int, default=10)
    parser.add_argument("--baseline-rev", help="git revision whose training step to time too")
    parser.add_argument("--json", default="bench_results/mask_rcnn.json")
    args = parser.parse_args(argv)
    from tfdefect.bench.machine import describe_machine
    from tfdefect.bench.report import write_bench_json

    machine = describe_machine()
    print("machine:", machine)
    results = []
    with tempfile.TemporaryDirectory() as workdir:
        for backbone in args.backbones:
            result = bench_inference(backbone, args.repeats, workdir)
            print_inference(result)
            rate = train_rate(backbone, args.train_steps)
            result["train_steps_per_s"] = rate
            line = f"  training, batch 4 of 96 px crops: {rate:.2f} steps/s"
            if args.baseline_rev:
                before = baseline_train_rate(args.baseline_rev, backbone, args.train_steps)
                result["baseline"] = {"revision": args.baseline_rev, "train_steps_per_s": before}
                line += f"; {args.baseline_rev}: {before:.2f} steps/s; ratio {rate / before:.2f}x"
            print(line, flush=True)
            results.append(result)
    payload = {"settings": vars(args), "mask_rcnn": results}
    write_bench_json(args.json, machine, {**payload, "table": table(payload)})
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    from tfdefect.console import console_logging

    with console_logging():
        main()
