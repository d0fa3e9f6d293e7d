"""The names of chips6: its six channels in order and its classes (the renderer's and the
default ``class_names``; real chips may name other defect classes)."""

CHANNEL_NAMES = ("height", "intensity", "pattern", "variance", "pads", "drill")
CLASS_NAMES = ("background", "bump", "dent", "dot")  # mask value k is CLASS_NAMES[k]
DEFECT_NAMES = CLASS_NAMES[1:]
