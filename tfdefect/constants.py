"""Constants shared by several model families (one place, no model package owns them)."""

# ImageNet RGB mean and standard deviation in pixel units (0..255): torchvision / timm
# normalisation, used by backbones whose weights were trained that way.
IMAGENET_MEAN = (0.485 * 255, 0.456 * 255, 0.406 * 255)
IMAGENET_STD = (0.229 * 255, 0.224 * 255, 0.225 * 255)

# keras.applications ResNet50 "caffe" preprocessing: BGR order, this mean subtracted, no scaling.
IMAGENET_CAFFE_BGR_MEAN = (103.939, 116.779, 123.68)
