"""Mask R-CNN defaults (Matterport's Config, scaled for 224 px chips with <= 20 px defects)."""

# The chips Mask R-CNN report's change (a): class : bbox : mask loss weights 2 : 1 : 1.
CHIPS_LOSS_WEIGHTS = {"rpn_class": 1.0, "rpn_box": 1.0, "class": 2.0, "box": 1.0, "mask": 1.0}

MASK_RCNN_DEFAULTS = {
    "anchor_preset": "chips6",  # anchor sides 8..128 px on P2..P6
    "fpn_channels": 128,  # Matterport: 256
    "rpn_train_anchors": 128,  # Matterport: 256
    "rpn_positive_iou": 0.5,  # Matterport: 0.7 (few anchors reach 0.7 on 6-20 px defects)
    # mean over positives + mean over negatives, so the one or two positive anchors of a
    # 6-20 px defect weigh as much as the negatives (Matterport: mean over all sampled
    # anchors); from random weights the RPN then starts proposing defects hundreds of steps
    # sooner (bench/mask_rcnn_learning.py, validation split)
    "rpn_balanced_loss": True,
    "train_rois": 64,  # Matterport: 200 (TRAIN_ROIS_PER_IMAGE)
    "jittered_rois": 4,  # loose copies of each ground-truth box among the ROIs; Matterport: 0
    "mask_channels": 128,  # Matterport: 256
    "proposals_train": 300,  # Matterport: 2000
    "proposals_inference": 100,  # Matterport: 1000
    "max_detections": 20,  # Matterport: 100
    "detection_min_confidence": 0.5,  # Matterport: 0.7
    "detection_nms_threshold": 0.3,
}
