from tfdefect.models.mpb3.cached_reference import CachedReferenceMPB3
from tfdefect.models.mpb3.mpb3 import MPB3, compile_mpb3

__all__ = ["MPB3", "CachedReferenceMPB3", "compile_mpb3"]
